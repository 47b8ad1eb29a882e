import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { checkSafe, reduce, toRatio } from '../ratio.ts'
import { optionsObject, policyName, positiveInteger, positiveNumber } from '../validate.ts'
import { allow, deny, judgedAt, ttlAt } from './shared.ts'

export interface TokenBucketOptions extends CommonOptions {
  /** Most tokens the bucket holds: the largest burst. A fresh key starts full. */
  readonly capacity: number
  /** Tokens added per `refillInterval`, continuously (fractions of a token accrue). */
  readonly refillRate: number
  /** Defaults to `'1s'`. */
  readonly refillInterval?: Duration
}

export interface TokenBucketParams {
  readonly capacity: number
  readonly refillRate: number
  readonly refillIntervalMs: number
  /** Scaled units per token: tokens are counted in whole units so refill is exact integer arithmetic. */
  readonly tokenUnits: number
  /** Scaled units added per elapsed millisecond. */
  readonly refillUnitsPerMs: number
}

/**
 * One step of the token bucket with continuous refill. State: `[units, lastRefill]`, the tokens
 * in scaled units (`tokenUnits` per token), so refill of any rate stays exact. Judged at
 * t = max(now, lastRefill), and t is the new lastRefill: a lagging clock never moves the refill
 * time back, so it cannot make the next caller refill for time that already counted.
 */
export function tokenBucketStep(
  state: AlgorithmState | undefined,
  params: TokenBucketParams,
  now: number,
  cost: number,
): StepResult {
  const { capacity, tokenUnits, refillUnitsPerMs: perMs } = params
  const full = capacity * tokenUnits
  const t = judgedAt(now, state?.[1])
  let units = full
  if (state !== undefined) {
    const stored = state[0] as number
    const elapsed = t - (state[1] as number)
    // Compare before multiplying so a long idle time cannot overflow exact integers.
    units = elapsed >= Math.ceil((full - stored) / perMs) ? full : stored + elapsed * perMs
  }
  const needed = cost * tokenUnits
  if (units < needed) {
    const resetAfterMs = Math.ceil((full - units) / perMs)
    return {
      state: [units, t],
      ttlMs: ttlAt(now, t, resetAfterMs),
      decision: deny(
        capacity,
        // Below zero only after a charge (see chargeStep): a decision never shows a debt.
        Math.max(0, Math.floor(units / tokenUnits)),
        resetAfterMs,
        Math.ceil((needed - units) / perMs),
      ),
    }
  }
  const left = units - needed
  const resetAfterMs = Math.ceil((full - left) / perMs)
  return {
    state: [left, t],
    ttlMs: ttlAt(now, t, resetAfterMs),
    decision: allow(capacity, Math.floor(left / tokenUnits), resetAfterMs),
  }
}

/**
 * Token bucket: bursts up to `capacity`, then `refillRate` per `refillInterval` on average.
 *
 * @example
 * // capacity 10, 1 token per second: 10 requests at once, then one more each second
 * const algorithm = tokenBucket({ capacity: 10, refillRate: 1 })
 */
export function tokenBucket(options: TokenBucketOptions): Algorithm<TokenBucketParams> {
  optionsObject(options, 'tokenBucket', ['capacity', 'refillRate', 'refillInterval', 'name'])
  const capacity = positiveInteger(options.capacity, 'tokenBucket: capacity')
  const refillRate = positiveNumber(options.refillRate, 'tokenBucket: refillRate')
  const refillIntervalMs = parseDuration(options.refillInterval ?? 1000, 'tokenBucket: refillInterval')
  // refillRate = num/den tokens per interval: count tokens in units of 1/(interval × den).
  const [rateNum, rateDen] = toRatio(refillRate, 'tokenBucket: refillRate')
  const [tokenUnits, refillUnitsPerMs] = reduce(refillIntervalMs * rateDen, rateNum)
  checkSafe((capacity + 1) * tokenUnits, 'tokenBucket')
  const params = { capacity, refillRate, refillIntervalMs, tokenUnits, refillUnitsPerMs }
  return {
    kind: 'tokenBucket',
    params,
    id: `tb:${capacity}:${refillRate}:${refillIntervalMs}`,
    name: policyName(
      options.name,
      `tokenBucket:${capacity}+${refillRate}/${formatDuration(refillIntervalMs)}`,
      'tokenBucket',
    ),
    limit: capacity,
    // The time an empty bucket takes to fill: the window in which `capacity` is the quota.
    windowMs: Math.ceil((capacity * refillIntervalMs) / refillRate),
    maxCost: capacity,
    step: (state, now, cost) => tokenBucketStep(state, params, now, cost),
  }
}
