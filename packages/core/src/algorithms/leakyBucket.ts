import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { checkSafe, reduce, toRatio } from '../ratio.ts'
import { optionsObject, policyName, positiveInteger, positiveNumber } from '../validate.ts'
import { allow, deny } from './shared.ts'
import { schedule } from './virtualScheduling.ts'

export interface LeakyBucketOptions extends CommonOptions {
  /** How many requests may wait in the queue (besides the one leaving now). */
  readonly capacity: number
  /** Requests that leave per `leakInterval`, evenly spaced. */
  readonly leakRate: number
  /** Defaults to `'1s'`. */
  readonly leakInterval?: Duration
}

export interface LeakyBucketParams {
  readonly capacity: number
  readonly leakRate: number
  readonly leakIntervalMs: number
  /** Time between two leaks = intervalNum / intervalDen ms (leakInterval / leakRate, reduced). */
  readonly intervalNum: number
  readonly intervalDen: number
}

/**
 * One leaky bucket step (shaping). State: `[drainAtMs, remainder, seenMs]`: when the queue ahead
 * has left, and the time of the latest admitted write. Judged at t = max(now, seenMs) (see
 * `schedule`), a request starts at max(drainAt, t) and is admitted if at most `capacity` units then wait
 * ahead of the one leaving: GCRA with burst = capacity + 1, which is also the `limit` it reports
 * (like redis-cell's max_burst + 1). `delayMs` is its wait for its turn.
 */
export function leakyBucketStep(
  state: AlgorithmState | undefined,
  params: LeakyBucketParams,
  now: number,
  cost: number,
): StepResult {
  const burst = params.capacity + 1
  const s = schedule(state, params.intervalNum, params.intervalDen, burst, now, cost)
  const decision = s.allowed
    ? allow(burst, s.remaining, s.resetAfterMs, s.startAfterMs)
    : deny(burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  return { state: s.tat, ttlMs: s.ttlMs, decision }
}

/**
 * Leaky bucket as a shaper: requests leave at a steady `leakRate` per `leakInterval`; up to
 * `capacity` may wait. An admitted request carries `delayMs`; bindings hold it that long.
 *
 * @example
 * // capacity 2, one per second: three calls at t=0 get delays 0, 1000, 2000; a fourth is denied
 * const algorithm = leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 })
 */
export function leakyBucket(options: LeakyBucketOptions): Algorithm<LeakyBucketParams> {
  optionsObject(options, 'leakyBucket', ['capacity', 'leakRate', 'leakInterval', 'name'])
  const capacity = positiveInteger(options.capacity, 'leakyBucket: capacity')
  const leakRate = positiveNumber(options.leakRate, 'leakyBucket: leakRate')
  const leakIntervalMs = parseDuration(options.leakInterval ?? 1000, 'leakyBucket: leakInterval')
  const [rateNum, rateDen] = toRatio(leakRate, 'leakyBucket: leakRate')
  const [intervalNum, intervalDen] = reduce(leakIntervalMs * rateDen, rateNum)
  checkSafe((capacity + 2) * intervalNum + leakIntervalMs * intervalDen, 'leakyBucket')
  const params = { capacity, leakRate, leakIntervalMs, intervalNum, intervalDen }
  return {
    kind: 'leakyBucket',
    params,
    id: `lb:${capacity}:${leakRate}:${leakIntervalMs}`,
    name: policyName(
      options.name,
      `leakyBucket:${capacity}@${leakRate}/${formatDuration(leakIntervalMs)}`,
      'leakyBucket',
    ),
    limit: capacity + 1,
    windowMs: Math.ceil(((capacity + 1) * leakIntervalMs) / leakRate),
    maxCost: capacity + 1,
    step: (state, now, cost) => leakyBucketStep(state, params, now, cost),
  }
}
