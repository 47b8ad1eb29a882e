// How far a list of admissions goes past what one exact limiter could ever have admitted.
import type { Algorithm, FixedWindowParams, SlidingWindowParams, TokenBucketParams } from '@sluice/core'

/** One admitted request: when, and how many units. */
export interface Admission {
  readonly at: number
  readonly cost: number
}

/**
 * The largest excess over the limit, in units, of `admitted` (in time order) against the
 * guarantee an exact limiter of `limit`'s kind gives: per fixed window, at each admission for the
 * sliding window counter, over every interval for a token bucket. 0 when nothing exceeds it.
 */
export function overAdmission(limit: Algorithm, admitted: readonly Admission[]): number {
  if (limit.kind === 'fixedWindow') return overFixed(limit.params as FixedWindowParams, admitted)
  if (limit.kind === 'slidingWindow') return overSliding(limit.params as SlidingWindowParams, admitted)
  if (limit.kind === 'tokenBucket') return overBucket(limit.params as TokenBucketParams, admitted)
  throw new Error(`no exact guarantee written for ${limit.kind}`)
}

function overFixed({ limit, windowMs }: FixedWindowParams, admitted: readonly Admission[]): number {
  const perWindow = new Map<number, number>()
  let over = 0
  for (const { at, cost } of admitted) {
    const w = Math.floor(at / windowMs)
    const n = (perWindow.get(w) ?? 0) + cost
    perWindow.set(w, n)
    over = Math.max(over, n - limit)
  }
  return over
}

function overSliding({ limit, windowMs: w }: SlidingWindowParams, admitted: readonly Admission[]): number {
  const perWindow = new Map<number, number>()
  let over = 0
  for (const { at, cost } of admitted) {
    const index = Math.floor(at / w)
    perWindow.set(index, (perWindow.get(index) ?? 0) + cost)
    const elapsed = at - index * w
    const estimate = ((perWindow.get(index - 1) ?? 0) * (w - elapsed)) / w + (perWindow.get(index) ?? 0)
    over = Math.max(over, estimate - limit)
  }
  return over
}

function overBucket(
  { capacity, refillRate, refillIntervalMs }: TokenBucketParams,
  admitted: readonly Admission[],
): number {
  const rate = refillRate / refillIntervalMs
  let over = 0
  for (let i = 0; i < admitted.length; i++) {
    let sum = 0
    for (let j = i; j < admitted.length; j++) {
      const a = admitted[j] as Admission
      sum += a.cost
      over = Math.max(over, sum - capacity - rate * (a.at - (admitted[i] as Admission).at))
    }
  }
  return over
}
