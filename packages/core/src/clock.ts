// A limiter's own clock: checked when it is given, and on every reading.
import { ConfigError } from './errors.ts'
import { show } from './validate.ts'

/** The largest time a `Date` can hold (8.64e15 ms, year 275760): the end of the clock's range. */
const MAX_EPOCH_MS = 8.64e15

/** The `clock` option: a function, or `undefined` for the store's own clock. */
export function checkClock(clock: unknown, factory: string): (() => number) | undefined {
  if (clock !== undefined && typeof clock !== 'function') {
    throw new ConfigError(
      `${factory}: clock must be a function returning epoch milliseconds, got ${show(clock)}`,
    )
  }
  return clock as (() => number) | undefined
}

/**
 * Reads a limiter's clock: epoch milliseconds from 0 to `MAX_EPOCH_MS`, floored to a whole
 * number. Anything else (1e300, a negative, NaN, a string) would make every window look fresh or
 * never end, so it is a `ConfigError`, as is a clock that throws (its error is the `cause`).
 * Nothing reaches the store.
 *
 * @example readClock(() => Date.now()) // 1767225600000
 */
export function readClock(clock: () => number): number {
  let now: unknown
  try {
    now = clock()
  } catch (error) {
    throw new ConfigError(
      `createRateLimiter: clock threw (${error instanceof Error ? error.message : show(error)}); it must return epoch milliseconds, as Date.now() does`,
      { cause: error },
    )
  }
  const ms = typeof now === 'number' ? Math.floor(now) : Number.NaN
  if (!(ms >= 0 && ms <= MAX_EPOCH_MS)) {
    throw new ConfigError(
      `createRateLimiter: clock must return epoch milliseconds from 0 to ${MAX_EPOCH_MS} (as Date.now() does), got ${show(now)}`,
    )
  }
  return ms
}
