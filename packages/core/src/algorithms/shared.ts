import type { LimitDecision } from '../decision.ts'

/** A decision for an allowed request. */
export function allow(limit: number, remaining: number, resetAfterMs: number, delayMs = 0): LimitDecision {
  return { allowed: true, limit, remaining, resetAfterMs, retryAfterMs: 0, delayMs }
}

/** A decision for a denied request: nothing was consumed. */
export function deny(
  limit: number,
  remaining: number,
  resetAfterMs: number,
  retryAfterMs: number,
): LimitDecision {
  return { allowed: false, limit, remaining, resetAfterMs, retryAfterMs, delayMs: 0 }
}

/** Start of the epoch-aligned window that holds `now`. */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs
}

/** Option names that other rate limiters give their window limits, with ours. */
export const PORTED_WINDOW_OPTIONS: Readonly<Record<string, string>> = {
  max: 'the quota is limit',
  points: 'the quota is limit',
  windowMs: "the window is window (milliseconds or a string like '1m')",
  duration: "the window is window (milliseconds or a string like '1m')",
}
