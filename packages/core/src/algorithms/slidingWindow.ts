import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { optionsObject, policyName, positiveInteger } from '../validate.ts'
import { allow, deny, judgedAt, PORTED_WINDOW_OPTIONS, ttlAt, windowStart } from './shared.ts'

export interface SlidingWindowOptions extends CommonOptions {
  /** Requests (cost units) admitted per (approximately) sliding window. */
  readonly limit: number
  readonly window: Duration
}

export interface SlidingWindowParams {
  readonly limit: number
  readonly windowMs: number
}

/**
 * One step of the sliding window counter. State: `[currentWindowStart, current, previous]`.
 * Admits while previous × (1 − elapsed/window) + current + cost ≤ limit, judged at
 * t = max(now, currentWindowStart) so a lagging clock never reopens an older window. Compared in
 * whole count·ms (everything multiplied by the window) so no rounding can differ between stores.
 */
export function slidingWindowStep(
  state: AlgorithmState | undefined,
  params: SlidingWindowParams,
  now: number,
  cost: number,
): StepResult {
  const { limit, windowMs: w } = params
  const t = judgedAt(now, state?.[0])
  const start = windowStart(t, w)
  const elapsed = t - start
  let current = 0
  let previous = 0
  if (state !== undefined && state[0] === start) {
    current = state[1] as number
    previous = state[2] as number
  } else if (state !== undefined && state[0] === start - w) {
    previous = state[1] as number
  }
  const weightedPrevious = previous * (w - elapsed)
  const admits = weightedPrevious + (current + cost) * w <= limit * w
  const counted = admits ? current + cost : current
  const remaining = Math.max(0, Math.floor((limit * w - weightedPrevious - counted * w) / w))
  // Full reset once the current count has slid out too: the end of the next window.
  const resetAfterMs = counted > 0 ? start + 2 * w - t : previous > 0 ? start + w - t : 0
  const ttlMs = ttlAt(now, t, resetAfterMs)
  const next = [start, counted, previous]
  if (admits) return { state: next, ttlMs, decision: allow(limit, remaining, resetAfterMs) }
  return {
    state: next,
    ttlMs,
    decision: deny(limit, remaining, resetAfterMs, retryAfter(params, start, t, current, previous, cost)),
  }
}

/** Earliest wait after `t` after which the same request fits, as the previous window's weight decays. */
function retryAfter(
  { limit, windowMs: w }: SlidingWindowParams,
  start: number,
  t: number,
  current: number,
  previous: number,
  cost: number,
): number {
  const room = limit - current - cost
  if (room >= 0 && previous > 0) {
    // Smallest elapsed e with previous × (w − e) ≤ room × w.
    const elapsedNeeded = w - Math.floor((room * w) / previous)
    if (elapsedNeeded < w) return start + elapsedNeeded - t
  }
  // Next window: today's count becomes the previous one and decays from there.
  const elapsedNext = current > 0 ? Math.max(0, w - Math.floor(((limit - cost) * w) / current)) : 0
  return start + w + elapsedNext - t
}

/**
 * Sliding window counter (Cloudflare's approximation): nearly exact with two counters per key.
 *
 * @example
 * // limit 10 per 1000 ms; 10 requests in [0,1000); at t=1500 the estimate is 10 × 0.5 = 5, so 5 more fit
 * const algorithm = slidingWindow({ limit: 10, window: '1s' })
 */
export function slidingWindow(options: SlidingWindowOptions): Algorithm<SlidingWindowParams> {
  optionsObject(options, 'slidingWindow', ['limit', 'window', 'name'], PORTED_WINDOW_OPTIONS)
  const params = {
    limit: positiveInteger(options.limit, 'slidingWindow: limit'),
    windowMs: parseDuration(options.window, 'slidingWindow: window'),
  }
  return {
    kind: 'slidingWindow',
    params,
    id: `sw:${params.limit}:${params.windowMs}`,
    name: policyName(
      options.name,
      `slidingWindow:${params.limit}/${formatDuration(params.windowMs)}`,
      'slidingWindow',
    ),
    limit: params.limit,
    windowMs: params.windowMs,
    maxCost: params.limit,
    step: (state, now, cost) => slidingWindowStep(state, params, now, cost),
  }
}
