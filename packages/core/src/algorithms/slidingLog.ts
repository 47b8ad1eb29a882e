import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { optionsObject, policyName, positiveInteger } from '../validate.ts'
import { allow, deny, judgedAt, PORTED_WINDOW_OPTIONS, ttlAt } from './shared.ts'

export interface SlidingLogOptions extends CommonOptions {
  /** Requests (cost units) admitted in any window of this length. */
  readonly limit: number
  readonly window: Duration
}

export interface SlidingLogParams {
  readonly limit: number
  readonly windowMs: number
}

/**
 * One step of the sliding log. State: the ascending timestamps of admitted units (a request of
 * cost n logs n entries). Only admitted requests are logged. Judged at t = max(now, newest entry),
 * and entries are logged at t: a lagging clock can neither log an entry that a faster clock would
 * already see as expired nor count entries that a faster clock has let expire.
 */
export function slidingLogStep(
  state: AlgorithmState | undefined,
  params: SlidingLogParams,
  now: number,
  cost: number,
): StepResult {
  const { limit, windowMs } = params
  const log = state ?? []
  const t = judgedAt(now, log.length > 0 ? (log[log.length - 1] as number) : undefined)
  // An entry at ts counts while ts > t - window.
  let first = 0
  while (first < log.length && (log[first] as number) <= t - windowMs) first++
  const live = first === 0 ? log : log.slice(first)
  const used = live.length
  if (used + cost > limit) {
    // The request fits once the oldest (used + cost - limit) entries have left the window.
    const unblocking = live[used + cost - limit - 1] as number
    const resetAfterMs = (live[used - 1] as number) + windowMs - t
    return {
      state: live,
      ttlMs: ttlAt(now, t, resetAfterMs),
      // More than `limit` entries only after a charge (see chargeStep): remaining never below 0.
      decision: deny(limit, Math.max(0, limit - used), resetAfterMs, unblocking + windowMs - t),
    }
  }
  // Logged at t, the newest time of the log: it stays ascending. concat allocates exact lengths;
  // a spread would leave spare capacity in every stored log.
  const next = cost === 0 ? live : live.concat(new Array<number>(cost).fill(t))
  const resetAfterMs = next.length === 0 ? 0 : (next[next.length - 1] as number) + windowMs - t
  return {
    state: next,
    ttlMs: ttlAt(now, t, resetAfterMs),
    decision: allow(limit, limit - next.length, resetAfterMs),
  }
}

/**
 * Sliding log: exact (every admitted unit is remembered for one window), at the price of
 * memory that grows with `limit` per key.
 *
 * @example
 * // limit 2 per 1000 ms: t=0 and t=500 allowed; t=900 denied, retryAfterMs 100 (the t=0 entry leaves at 1000)
 * const algorithm = slidingLog({ limit: 2, window: '1s' })
 */
export function slidingLog(options: SlidingLogOptions): Algorithm<SlidingLogParams> {
  optionsObject(options, 'slidingLog', ['limit', 'window', 'name'], PORTED_WINDOW_OPTIONS)
  const params = {
    limit: positiveInteger(options.limit, 'slidingLog: limit'),
    windowMs: parseDuration(options.window, 'slidingLog: window'),
  }
  return {
    kind: 'slidingLog',
    params,
    id: `sl:${params.limit}:${params.windowMs}`,
    name: policyName(
      options.name,
      `slidingLog:${params.limit}/${formatDuration(params.windowMs)}`,
      'slidingLog',
    ),
    limit: params.limit,
    windowMs: params.windowMs,
    maxCost: params.limit,
    step: (state, now, cost) => slidingLogStep(state, params, now, cost),
  }
}
