// The fixed window counter: a count per window, windows aligned to the epoch or started by a key's first request.
import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { ConfigError } from '../errors.ts'
import { optionsObject, policyName, positiveInteger, show } from '../validate.ts'
import { allow, deny, judgedAt, PORTED_WINDOW_OPTIONS, ttlAt, windowStart } from './shared.ts'

/**
 * Where a fixed window starts. `'epoch'`: windows turn at multiples of the window length since
 * 1970-01-01T00:00:00Z, the same for every key. `'first-request'`: a key's window starts at its
 * first counted request and lasts one window; the next counted request at or after its end starts
 * the next one (express-rate-limit, rate-limiter-flexible).
 */
export type FixedWindowAlign = 'epoch' | 'first-request'

const ALIGNS: readonly FixedWindowAlign[] = ['epoch', 'first-request']

export interface FixedWindowOptions extends CommonOptions {
  /** Requests (cost units) admitted per window. */
  readonly limit: number
  /** Window length. */
  readonly window: Duration
  /**
   * Where windows start: `'epoch'` (the default: on the clock, the same for every key) or
   * `'first-request'` (at each key's first counted request). See {@link FixedWindowAlign}.
   */
  readonly align?: FixedWindowAlign
}

export interface FixedWindowParams {
  readonly limit: number
  readonly windowMs: number
  /**
   * Where windows start; the factory always sets it, absent means `'epoch'` (params written before
   * it existed). The Lua twin receives it as `0` for `'epoch'`, `1` for `'first-request'`.
   */
  readonly align?: FixedWindowAlign
}

/**
 * One step of the fixed window counter. State: `[windowStart, count]`.
 * Admits while count + cost ≤ limit in the window that holds t = max(now, windowStart): a caller
 * whose clock lags behind a stored window counts in that window, never in an older one.
 * With `align: 'epoch'` that window is the epoch-aligned one holding t. With `'first-request'` it
 * is the stored window while t < windowStart + windowMs, else a new window starting at t: a peek
 * (or any step not written) on a fresh or expired key reports a full window from t and starts none.
 */
export function fixedWindowStep(
  state: AlgorithmState | undefined,
  params: FixedWindowParams,
  now: number,
  cost: number,
): StepResult {
  const { limit, windowMs } = params
  const t = judgedAt(now, state?.[0])
  let start: number
  let used: number
  if (params.align === 'first-request') {
    const open = state !== undefined && t < (state[0] as number) + windowMs
    start = open ? (state[0] as number) : t
    used = open ? (state[1] as number) : 0
  } else {
    start = windowStart(t, windowMs)
    used = state !== undefined && state[0] === start ? (state[1] as number) : 0
  }
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
 * across a window boundary. Windows are aligned to the epoch by default (every key's window turns
 * at the same instants); `align: 'first-request'` starts each key's window at its first counted
 * request instead, so a client always gets a full window, and `resetAfterMs` (and the TTL) run to
 * that window's end. A peek on a fresh key starts no window: it reports a full window from now.
 *
 * @example
 * // limit 3 per 1000 ms: t=0,100,200 allowed; t=300 denied, retryAfterMs 700; t=1000 allowed, remaining 2
 * const algorithm = fixedWindow({ limit: 3, window: 1000 })
 *
 * @example
 * // 100 per minute from each key's first request: first call at 12:00:14 → window 12:00:14–12:01:14
 * const perClient = fixedWindow({ limit: 100, window: '1m', align: 'first-request' })
 */
export function fixedWindow(options: FixedWindowOptions): Algorithm<FixedWindowParams> {
  optionsObject(options, 'fixedWindow', ['limit', 'window', 'align', 'name'], PORTED_WINDOW_OPTIONS)
  const params: Required<FixedWindowParams> = {
    limit: positiveInteger(options.limit, 'fixedWindow: limit'),
    windowMs: parseDuration(options.window, 'fixedWindow: window'),
    align: alignOption(options.align),
  }
  const firstRequest = params.align === 'first-request'
  return {
    kind: 'fixedWindow',
    params,
    // Epoch-aligned ids stay as they were (no stored counter moves); the other align has its own.
    id: `fw:${params.limit}:${params.windowMs}${firstRequest ? ':first' : ''}`,
    name: policyName(
      options.name,
      `fixedWindow:${params.limit}/${formatDuration(params.windowMs)}${firstRequest ? ':first-request' : ''}`,
      'fixedWindow',
    ),
    limit: params.limit,
    windowMs: params.windowMs,
    maxCost: params.limit,
    step: (state, now, cost) => fixedWindowStep(state, params, now, cost),
  }
}

/** The `align` option: one of ALIGNS, `'epoch'` when absent. */
function alignOption(value: unknown): FixedWindowAlign {
  if (value === undefined) return 'epoch'
  if (!ALIGNS.includes(value as FixedWindowAlign)) {
    throw new ConfigError(
      `fixedWindow: align must be 'epoch' (windows turn on the clock, the default) or 'first-request' (each key's window starts at its first counted request), got ${show(value)}`,
    )
  }
  return value as FixedWindowAlign
}
