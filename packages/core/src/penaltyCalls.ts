// limiter.ban and limiter.unban: a call's checks (InputError), then one store call each.
import type { Algorithm } from './algorithm.ts'
import { readClock } from './clock.ts'
import { parseDuration } from './duration.ts'
import { ConfigError, InputError } from './errors.ts'
import { checkKey } from './keys.ts'
import type { Penalty } from './penalty.ts'
import { MAX_BLOCK_MS } from './penaltyOptions.ts'
import type { StoreCall } from './storeCall.ts'
/**
 * `limiter.ban` and `limiter.unban` of a plain limiter: checked like any call (an `InputError`),
 * then one store call each; a `ConfigError` for a limiter without `penalty` (no `blockDuration`).
 * @example const { ban, unban } = penaltyCalls(call, 'api:', algorithms, undefined, penalty)
 */
export function penaltyCalls(
  call: StoreCall,
  start: string,
  algorithms: readonly Algorithm[],
  clock: (() => number) | undefined,
  penalty: Penalty | undefined,
) {
  const unsupported = (what: string) =>
    new ConfigError(
      `${what}: this limiter keeps no blocks; give it blockDuration (0 for bans only, '1m' to also block after a denial) so that its calls check the block in the same store call`,
    )
  return {
    ban(key: unknown, duration: unknown): Promise<void> {
      try {
        if (penalty === undefined) throw unsupported('ban')
        const limiterKey = start + checkKey(key)
        const durationMs = parseDuration(duration, 'ban: duration', { error: InputError, max: MAX_BLOCK_MS })
        const now = clock === undefined ? undefined : readClock(clock)
        return call.ban({ key: limiterKey, durationMs, now }, algorithms)
      } catch (error) {
        return Promise.reject(error)
      }
    },
    unban(key: unknown): Promise<void> {
      try {
        if (penalty === undefined) throw unsupported('unban')
        return call.unban(start + checkKey(key), algorithms)
      } catch (error) {
        return Promise.reject(error)
      }
    },
  }
}
