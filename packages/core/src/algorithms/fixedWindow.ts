import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { optionsObject, policyName, positiveInteger } from '../validate.ts'
import { allow, deny, judgedAt, PORTED_WINDOW_OPTIONS, ttlAt, windowStart } from './shared.ts'

export interface FixedWindowOptions extends CommonOptions {
  /** Requests (cost units) admitted per window. */
  readonly limit: number
  /** Window length; windows are aligned to the epoch. */
  readonly window: Duration
}

export interface FixedWindowParams {
  readonly limit: number
  readonly windowMs: number
}

/**
 * One step of the fixed window counter. State: `[windowStart, count]`.
 * Admits while count + cost ≤ limit in the epoch-aligned window that holds t = max(now, windowStart):
 * a caller whose clock lags behind a stored window counts in that window, never in an older one.
 */
export function fixedWindowStep(
  state: AlgorithmState | undefined,
  params: FixedWindowParams,
  now: number,
  cost: number,
): StepResult {
  const { limit, windowMs } = params
  const t = judgedAt(now, state?.[0])
  const start = windowStart(t, windowMs)
  const used = state !== undefined && state[0] === start ? (state[1] as number) : 0
  const resetAfterMs = start + windowMs - t
  const ttlMs = ttlAt(now, t, resetAfterMs)
  if (used + cost > limit) {
    return {
      state: [start, used],
      ttlMs,
      decision: deny(limit, limit - used, resetAfterMs, resetAfterMs),
    }
  }
  const count = used + cost
  return { state: [start, count], ttlMs, decision: allow(limit, limit - count, resetAfterMs) }
}

/**
 * Fixed window counter, the classic chapter version: cheapest, but admits up to 2× `limit`
 * across a window boundary.
 *
 * @example
 * // limit 3 per 1000 ms: t=0,100,200 allowed; t=300 denied, retryAfterMs 700; t=1000 allowed, remaining 2
 * const algorithm = fixedWindow({ limit: 3, window: 1000 })
 */
export function fixedWindow(options: FixedWindowOptions): Algorithm<FixedWindowParams> {
  optionsObject(options, 'fixedWindow', ['limit', 'window', 'name'], PORTED_WINDOW_OPTIONS)
  const params = {
    limit: positiveInteger(options.limit, 'fixedWindow: limit'),
    windowMs: parseDuration(options.window, 'fixedWindow: window'),
  }
  return {
    kind: 'fixedWindow',
    params,
    id: `fw:${params.limit}:${params.windowMs}`,
    name: policyName(
      options.name,
      `fixedWindow:${params.limit}/${formatDuration(params.windowMs)}`,
      'fixedWindow',
    ),
    limit: params.limit,
    windowMs: params.windowMs,
    maxCost: params.limit,
    step: (state, now, cost) => fixedWindowStep(state, params, now, cost),
  }
}
