import type { NominalRate } from './algorithms.ts'
import type { AlgorithmRun, RequestOutcome } from './simulation.ts'
import type { TrafficPattern } from './trafficPatterns.ts'

/** The most requests that fall within any window of a given length, and where. */
export interface BusiestWindow {
  readonly count: number
  /** First and last request of the tightest such group (equal when count ≤ 1). */
  readonly firstMs: number
  readonly lastMs: number
}

export interface RunSummary {
  readonly offered: number
  readonly admitted: number
  /** What a strict limiter (never more than `limit` in any window) would admit. */
  readonly ideal: number
  /** Most admitted within any window of the nominal length. */
  readonly busiestWindow: BusiestWindow
  /** Most admitted within the pattern's burst span (the boundary pattern only). */
  readonly busiestBurst: BusiestWindow | undefined
  /** Shaping only: the longest `delayMs` handed out, 0 for policing algorithms. */
  readonly maxDelayMs: number
  /** Shaping only: the smallest gap between two admitted requests' start times (arrival + delay). */
  readonly minDepartureGapMs: number | undefined
}

const admittedArrivals = (outcomes: readonly RequestOutcome[]): number[] =>
  outcomes.filter((o) => o.allowed).map((o) => o.arrivalMs)

/** When admitted requests actually run: arrival + delayMs (differs from arrival only when shaping). */
export const departures = (outcomes: readonly RequestOutcome[]): number[] =>
  outcomes
    .filter((o) => o.allowed)
    .map((o) => o.arrivalMs + o.delayMs)
    .sort((a, b) => a - b)

/**
 * The yardstick: admit a request exactly when fewer than `limit` were admitted in the last
 * `windowMs` (the window (t − windowMs, t]). Written here from the definition, independently of
 * the library, so the demo can check the algorithms against it.
 */
/** The largest of `values` (`floor` when there are none): a loop, since a spread of many values overflows the stack. */
export function largest(values: readonly number[], floor = Number.NEGATIVE_INFINITY): number {
  let most = floor
  for (const v of values) if (v > most) most = v
  return most
}

/** The smallest of `values` (`Infinity` when there are none). */
function smallest(values: readonly number[]): number {
  let least = Number.POSITIVE_INFINITY
  for (const v of values) if (v < least) least = v
  return least
}

export function idealAdmissions(arrivalsMs: readonly number[], { limit, windowMs }: NominalRate): boolean[] {
  const admitted: number[] = []
  let oldest = 0
  return arrivalsMs.map((t) => {
    while (oldest < admitted.length && (admitted[oldest] as number) <= t - windowMs) oldest++
    if (admitted.length - oldest >= limit) return false
    admitted.push(t)
    return true
  })
}

/**
 * The most of `timesMs` (ascending) inside any half-open window [s, s + spanMs), preferring the
 * tightest group on ties: the number that says "admitted 20 within 190 ms".
 */
export function busiestWindow(timesMs: readonly number[], spanMs: number): BusiestWindow {
  let best: BusiestWindow = { count: 0, firstMs: 0, lastMs: 0 }
  let i = 0
  for (let j = 0; j < timesMs.length; j++) {
    const last = timesMs[j] as number
    while (last - (timesMs[i] as number) >= spanMs) i++
    const first = timesMs[i] as number
    const count = j - i + 1
    if (count > best.count || (count === best.count && last - first < best.lastMs - best.firstMs)) {
      best = { count, firstMs: first, lastMs: last }
    }
  }
  return best
}

/** Gaps between consecutive departures of requests that had to wait: the shaper's output spacing. */
export function queuedDepartureGaps(outcomes: readonly RequestOutcome[]): number[] {
  const admitted = outcomes.filter((o) => o.allowed)
  const gaps: number[] = []
  for (let k = 1; k < admitted.length; k++) {
    const current = admitted[k] as RequestOutcome
    const previous = admitted[k - 1] as RequestOutcome
    if (current.delayMs > 0) {
      gaps.push(current.arrivalMs + current.delayMs - (previous.arrivalMs + previous.delayMs))
    }
  }
  return gaps
}

export function summarize(run: AlgorithmRun, pattern: TrafficPattern, rate: NominalRate): RunSummary {
  const admitted = admittedArrivals(run.outcomes)
  const gaps = queuedDepartureGaps(run.outcomes)
  return {
    offered: run.outcomes.length,
    admitted: admitted.length,
    ideal: idealAdmissions(pattern.arrivalsMs, rate).filter(Boolean).length,
    busiestWindow: busiestWindow(admitted, rate.windowMs),
    busiestBurst:
      pattern.burstSpanMs === undefined ? undefined : busiestWindow(admitted, pattern.burstSpanMs),
    maxDelayMs: largest(
      run.outcomes.map((o) => o.delayMs),
      0,
    ),
    minDepartureGapMs: gaps.length === 0 ? undefined : smallest(gaps),
  }
}

/** Cumulative count at each time, as (t, n) corners of a step line: for the report's charts. */
export function cumulativeSteps(timesMs: readonly number[], endMs: number): [number, number][] {
  const points: [number, number][] = [[0, 0]]
  let count = 0
  for (const t of timesMs) {
    points.push([t, count])
    count++
    points.push([t, count])
  }
  points.push([endMs, count])
  return points
}
