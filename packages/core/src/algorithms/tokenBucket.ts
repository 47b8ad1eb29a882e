import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { optionsObject, policyName, positiveInteger, positiveNumber } from '../validate.ts'
import { allow, deny } from './shared.ts'

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
}

/**
 * One step of the token bucket. State: `[tokens × refillIntervalMs, lastRefill]`. Tokens are kept
 * scaled by the interval so that refill (elapsed × refillRate) stays in whole numbers for whole rates.
 */
export function tokenBucketStep(
  state: AlgorithmState | undefined,
  params: TokenBucketParams,
  now: number,
  cost: number,
): StepResult {
  const { capacity, refillRate, refillIntervalMs: interval } = params
  const full = capacity * interval
  const elapsed = state === undefined ? 0 : Math.max(0, now - (state[1] as number))
  const tokens = state === undefined ? full : Math.min(full, (state[0] as number) + elapsed * refillRate)
  const needed = cost * interval
  if (tokens < needed) {
    const resetAfterMs = Math.ceil((full - tokens) / refillRate)
    const retryAfterMs = Math.ceil((needed - tokens) / refillRate)
    return {
      state: [tokens, now],
      ttlMs: resetAfterMs,
      decision: deny(capacity, Math.floor(tokens / interval), resetAfterMs, retryAfterMs),
    }
  }
  const left = tokens - needed
  const resetAfterMs = Math.ceil((full - left) / refillRate)
  return {
    state: [left, now],
    ttlMs: resetAfterMs,
    decision: allow(capacity, Math.floor(left / interval), resetAfterMs),
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
  optionsObject(options, 'tokenBucket')
  const params = {
    capacity: positiveInteger(options.capacity, 'tokenBucket: capacity'),
    refillRate: positiveNumber(options.refillRate, 'tokenBucket: refillRate'),
    refillIntervalMs: parseDuration(options.refillInterval ?? 1000, 'tokenBucket: refillInterval'),
  }
  const { capacity, refillRate, refillIntervalMs } = params
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
