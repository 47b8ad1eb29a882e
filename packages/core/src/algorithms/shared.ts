// What every algorithm's step shares: allow/deny decisions and the time a step judges a request at.
import type { LimitDecision } from '../algorithm.ts'

/**
 * The same number, kept as V8 keeps small integers (a Smi) when it is a whole one that fits.
 * Arithmetic on epoch milliseconds (`start + windowMs - now`) gives a heap number even when the
 * result is small, and once a decision field has held both kinds every object of that shape is
 * slower to make and read: the fixed window decided at about 0.55× its speed in a process that
 * had seen denials (measured). `Math.floor` returns a whole number as a Smi; a fraction (a
 * caller's fractional `now`) is returned as it is.
 */
export function compact(n: number): number {
  const floor = Math.floor(n)
  return floor === n ? floor : n
}

/** A decision for an allowed request. */
export function allow(limit: number, remaining: number, resetAfterMs: number, delayMs = 0): LimitDecision {
  return {
    allowed: true,
    limit,
    remaining: compact(remaining),
    resetAfterMs: compact(resetAfterMs),
    retryAfterMs: 0,
    delayMs: compact(delayMs),
  }
}

/** A decision for a denied request: nothing was consumed. */
export function deny(
  limit: number,
  remaining: number,
  resetAfterMs: number,
  retryAfterMs: number,
): LimitDecision {
  return {
    allowed: false,
    limit,
    remaining: compact(remaining),
    resetAfterMs: compact(resetAfterMs),
    retryAfterMs: compact(retryAfterMs),
    delayMs: 0,
  }
}

/**
 * The time a step judges a request at: the caller's `now`, or the time the state already holds
 * when that is later (`stored` is undefined for a fresh key). A state's time never moves back, so
 * a caller whose clock lags can neither refill a bucket nor reopen a window that a caller with a
 * faster clock has seen; it is judged as if it called at the stored time.
 */
export function judgedAt(now: number, stored: number | undefined): number {
  return stored !== undefined && stored > now ? stored : now
}

/**
 * A state's TTL for a step judged at `t`: the state matters until `resetAfterMs` after `t`, and
 * the TTL counts from the caller's `now`, since a store may add it to `now` (an absolute expiry
 * on the caller's clock) as well as to its own clock.
 */
export function ttlAt(now: number, t: number, resetAfterMs: number): number {
  return compact(t - now + resetAfterMs)
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
