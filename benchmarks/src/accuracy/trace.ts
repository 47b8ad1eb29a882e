/**
 * A seeded synthetic request trace, after the shape of Cloudflare's published measurement of its
 * sliding window counter (hundreds of thousands of sources; most of them far below any limit, a
 * few far above): every source gets a mean rate drawn from a heavy-tailed (Pareto) distribution
 * and one of three arrival patterns:
 *
 * - steady: a Poisson process at its rate (independent, exponentially distributed gaps);
 * - bursty: bursts of a geometric number of requests (mean BURST_SIZE) a few hundred ms apart,
 *   the bursts themselves a Poisson process, so the long-run mean is the source's rate;
 * - heavy-tailed: Pareto-distributed gaps (α = 1.5, mean 1 / rate): mostly short gaps with the
 *   odd very long silence, i.e. clumps at all time scales.
 *
 * Sources are independent and every algorithm here keeps state per source, so the trace is made
 * and consumed one source at a time (its timestamps ascending, whole milliseconds): nothing needs
 * the whole trace in memory or sorted globally.
 */
import { seededRandom } from '../harness.ts'

export type Pattern = 'steady' | 'bursty' | 'heavy-tailed'

export const PATTERNS: readonly Pattern[] = ['steady', 'bursty', 'heavy-tailed']

export interface TraceOptions {
  readonly sources: number
  /** Length of the trace, ms. */
  readonly durationMs: number
  /** Where the trace starts (ms since the epoch); windows are epoch-aligned. */
  readonly startMs: number
  readonly seed: number
  /** Pareto scale of the per-source mean rate, requests per minute (the smallest rate). */
  readonly minRatePerMinute: number
  /** Pareto shape of the per-source mean rate: smaller means a heavier tail. */
  readonly rateShape: number
  /** No source above this mean rate, requests per minute (keeps the trace to a few million requests). */
  readonly maxRatePerMinute: number
}

/** Shares of the sources per pattern. */
const MIX: Readonly<Record<Pattern, number>> = { steady: 0.6, bursty: 0.3, 'heavy-tailed': 0.1 }
const BURST_SIZE = 8
const BURST_GAP_MS = 250
const GAP_SHAPE = 1.5

export interface Source {
  readonly pattern: Pattern
  readonly ratePerMinute: number
  /** Request times, ascending, whole ms. Reused between sources: copy to keep. */
  readonly times: Float64Array
  readonly length: number
}

/**
 * Calls `visit` with each source in turn. The `times` array is reused from one source to the next.
 */
export function forEachSource(options: TraceOptions, visit: (source: Source, index: number) => void): void {
  const random = seededRandom(options.seed)
  // Never 0: Math.log(0) and 0 ** -x are infinite.
  const uniform = (): number => 1 - random()
  const exponential = (mean: number): number => -Math.log(uniform()) * mean
  const pareto = (scale: number, shape: number): number => scale / uniform() ** (1 / shape)
  let times = new Float64Array(1024)
  const end = options.startMs + options.durationMs
  for (let s = 0; s < options.sources; s++) {
    const pick = random()
    const pattern: Pattern =
      pick < MIX.steady ? 'steady' : pick < MIX.steady + MIX.bursty ? 'bursty' : 'heavy-tailed'
    const ratePerMinute = Math.min(
      options.maxRatePerMinute,
      pareto(options.minRatePerMinute, options.rateShape),
    )
    const meanGapMs = 60_000 / ratePerMinute
    let n = 0
    const push = (t: number): void => {
      if (n === times.length) {
        const grown = new Float64Array(times.length * 2)
        grown.set(times)
        times = grown
      }
      times[n++] = Math.floor(t)
    }
    // Each source starts at a random point of its own cycle, not all at the trace's start.
    let t = options.startMs + random() * meanGapMs
    if (pattern === 'steady') {
      for (; t < end; t += exponential(meanGapMs)) push(t)
    } else if (pattern === 'bursty') {
      const meanBurstGapMs = meanGapMs * BURST_SIZE
      for (; t < end; t += exponential(meanBurstGapMs)) {
        // Geometric burst size with mean BURST_SIZE (at least 1).
        const size = 1 + Math.floor(Math.log(uniform()) / Math.log(1 - 1 / BURST_SIZE))
        let u = t
        for (let k = 0; k < size && u < end; k++, u += exponential(BURST_GAP_MS)) push(u)
      }
    } else {
      // Pareto gaps with mean meanGapMs: scale = mean × (shape − 1) / shape.
      const scale = (meanGapMs * (GAP_SHAPE - 1)) / GAP_SHAPE
      for (; t < end; t += pareto(scale, GAP_SHAPE)) push(t)
    }
    // Bursts can overlap the next burst's start: keep the times ascending.
    if (pattern === 'bursty') times.subarray(0, n).sort()
    visit({ pattern, ratePerMinute, times, length: n }, s)
  }
}
