import { NOMINAL_RATE, type NominalRate } from './algorithms.ts'

/** A sequence of request arrival times, in ms from the start of the pattern. */
export interface TrafficPattern {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly durationMs: number
  /** Ascending; equal values are requests arriving in the same millisecond. */
  readonly arrivalsMs: readonly number[]
  /** Width of one timeline character in the terminal. */
  readonly bucketMs: number
  /**
   * Set on the pattern built to straddle a window boundary: the span of its burst, the window in
   * which the demo looks for the most admitted requests.
   */
  readonly burstSpanMs?: number
}

/** Requests evenly spaced at `perSecond` from `fromMs` (inclusive) to `toMs` (exclusive). */
function evenlySpaced(perSecond: number, fromMs: number, toMs: number): number[] {
  const gapMs = 1000 / perSecond
  const arrivals: number[] = []
  for (let t = fromMs; t < toMs - 1e-9; t += gapMs) arrivals.push(Math.round(t))
  return arrivals
}

/** `count` requests in the same millisecond. */
function burstAt(atMs: number, count: number): number[] {
  return new Array<number>(count).fill(atMs)
}

/**
 * A rate rising linearly from 0 to `peakPerSecond` over `durationMs`: the k-th request arrives when
 * the integral of the rate reaches k, i.e. at t = sqrt(2k·duration / peak).
 */
function linearRamp(peakPerSecond: number, durationMs: number): number[] {
  const durationS = durationMs / 1000
  const total = Math.floor((peakPerSecond * durationS) / 2)
  const arrivals: number[] = []
  for (let k = 1; k <= total; k++) {
    // The last request would land exactly on durationMs; keep it inside the pattern.
    arrivals.push(Math.min(durationMs - 1, Math.round(1000 * Math.sqrt((2 * k * durationS) / peakPerSecond))))
  }
  return arrivals
}

/**
 * The patterns the demo feeds through every algorithm, scaled to the nominal rate. `lengthMs` is
 * how long the steady patterns and the ramp last: 4 s when simulated, shorter over real HTTP.
 */
export function trafficPatterns(
  { limit, windowMs }: NominalRate = NOMINAL_RATE,
  lengthMs = 4000,
): TrafficPattern[] {
  const seconds = `${lengthMs / 1000} s`
  const perSecond = (limit * 1000) / windowMs
  const burstSpanMs = windowMs / 5
  const boundary = windowMs
  return [
    {
      id: 'steady-under',
      title: 'Steady, under the limit',
      description: `${0.8 * perSecond} req/s for ${seconds}: every algorithm should admit everything.`,
      durationMs: lengthMs,
      arrivalsMs: evenlySpaced(0.8 * perSecond, 0, lengthMs),
      bucketMs: 100,
    },
    {
      id: 'steady-over',
      title: 'Steady, twice the limit',
      description: `${2 * perSecond} req/s for ${seconds}: about half should be denied; bursty algorithms start with a bonus.`,
      durationMs: lengthMs,
      arrivalsMs: evenlySpaced(2 * perSecond, 0, lengthMs),
      bucketMs: 100,
    },
    {
      id: 'burst',
      title: 'Bursts',
      description: `${2 * limit} requests in one millisecond at 0 s and again at 1.5 s.`,
      durationMs: 3000,
      arrivalsMs: [...burstAt(0, 2 * limit), ...burstAt(1500, 2 * limit)],
      bucketMs: 100,
    },
    {
      id: 'boundary',
      title: 'A burst straddling a window boundary',
      description: `${2 * limit} requests evenly spread over the ${burstSpanMs} ms around the ${boundary} ms window boundary.`,
      durationMs: 2 * windowMs,
      arrivalsMs: evenlySpaced(
        (2 * limit * 1000) / burstSpanMs,
        boundary - burstSpanMs / 2,
        boundary + burstSpanMs / 2,
      ),
      bucketMs: windowMs / 20,
      burstSpanMs,
    },
    {
      id: 'ramp',
      title: 'A ramp',
      description: `The rate rises linearly from 0 to ${3 * perSecond} req/s over ${seconds}: when does each algorithm start denying?`,
      durationMs: lengthMs,
      arrivalsMs: linearRamp(3 * perSecond, lengthMs),
      bucketMs: 100,
    },
  ]
}
