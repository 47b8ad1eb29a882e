import type { Contender } from '../algorithms.ts'
import type { TrafficPattern } from '../trafficPatterns.ts'
import { drive, type HttpOutcome, type PatternProgress } from './loadDriver.ts'
import { startDemoServer } from './server.ts'

/** What the run over HTTP is about to do, known once the server listens. */
export interface HttpRunStart {
  readonly url: string
  readonly maxDelayMs: number
  /** Epoch milliseconds of the first pattern's 0 ms: a window boundary, as every pattern's start is. */
  readonly startEpochMs: number
}

export interface HttpRun extends HttpRunStart {
  readonly patterns: readonly TrafficPattern[]
  readonly labels: readonly string[]
  readonly outcomes: readonly HttpOutcome[]
  /** The final counts per pattern, as the live progress showed them. */
  readonly progress: readonly PatternProgress[]
  /** From starting the server to closing it. */
  readonly durationMs: number
}

export interface HttpRunOptions {
  readonly contenders: readonly Contender[]
  readonly patterns: readonly TrafficPattern[]
  /** Patterns start on a multiple of this (the nominal window) in wall-clock time. */
  readonly windowMs: number
  readonly onStart?: (start: HttpRunStart) => void
  readonly onProgress?: (progress: readonly PatternProgress[]) => void
  /**
   * The limiters' clock; default the real one. A test that checks exact counts freezes it, so that
   * requests sent together count as together however slowly a loaded machine delivers them.
   */
  readonly clock?: () => number
}

/**
 * The real-HTTP run: starts the demo server, sends every pattern to every algorithm's route, and
 * closes the server again, failed or not, leaving no socket or timer behind.
 */
export async function runOverHttp(options: HttpRunOptions): Promise<HttpRun> {
  const { contenders, patterns, windowMs, onStart, onProgress, clock } = options
  const started = performance.now()
  const server = await startDemoServer(contenders, clock)
  const { url, maxDelayMs } = server
  const labels = contenders.map((c) => c.label)
  let driven: Awaited<ReturnType<typeof drive>>
  try {
    driven = await drive({
      baseUrl: url,
      patterns,
      labels,
      windowMs,
      onStart: (startEpochMs) => onStart?.({ url, maxDelayMs, startEpochMs }),
      onProgress,
    })
  } finally {
    await server.close()
  }
  const durationMs = performance.now() - started
  return { url, maxDelayMs, patterns, labels, ...driven, durationMs }
}
