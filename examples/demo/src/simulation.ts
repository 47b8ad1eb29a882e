import { createExplainer, createRateLimiter, type DecisionEvent } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import type { Contender } from './algorithms.ts'
import type { TrafficPattern } from './trafficPatterns.ts'

/**
 * Simulated time starts at a whole day since the epoch: fixed and sliding windows are aligned to
 * the epoch, so the patterns' offsets (0 ms, 1000 ms, …) fall exactly on window boundaries.
 */
export const SIMULATION_START_MS = Date.UTC(2025, 0, 1)

/** What the limiter said about one request of a pattern. */
export interface RequestOutcome {
  /** Offset from the pattern's start. */
  readonly arrivalMs: number
  readonly allowed: boolean
  /** Shaping (leaky bucket): how long the request waits before it runs. */
  readonly delayMs: number
  readonly retryAfterMs: number
  readonly remaining: number
  /** The key as the decision event shows it (`exposeKey`): what the dashboard groups by. */
  readonly key?: string
  /** Why, in the algorithm's own terms (`explainDecision`): what `pnpm demo --explain` prints. */
  readonly explanation?: string
}

export interface AlgorithmRun {
  readonly contender: Contender
  readonly outcomes: readonly RequestOutcome[]
}

export interface PatternRun {
  readonly pattern: TrafficPattern
  readonly runs: readonly AlgorithmRun[]
}

/**
 * Feeds one pattern through one algorithm on a fresh memory store, one request at a time,
 * moving a simulated clock to each arrival: no real waiting, and the same result every run.
 */
export async function simulate(
  pattern: TrafficPattern,
  contender: Contender,
  startMs = SIMULATION_START_MS,
): Promise<RequestOutcome[]> {
  let simulatedNow = startMs
  const limiter = createRateLimiter({
    // One key per run: a small maxKeys keeps each fresh store cheap to create (lru-cache
    // allocates its arrays for maxKeys up front; the default 100,000 costs ~3 MB and ~10 ms).
    store: memoryStore({ maxKeys: 100 }),
    algorithm: contender.algorithm,
    clock: () => simulatedNow,
    // The demo's only key is made up: showing it in explanations reveals nothing.
    exposeKey: true,
  })
  // Outcomes come from the limiter's decision events, as a dashboard fed by them would see them.
  let last: DecisionEvent | undefined
  limiter.events.on('decision', (event) => {
    last = event
  })
  const outcomes: RequestOutcome[] = []
  const explain = createExplainer()
  for (const arrivalMs of pattern.arrivalsMs) {
    simulatedNow = startMs + arrivalMs
    await limiter.limit('client')
    const event = last as DecisionEvent
    outcomes.push({
      arrivalMs,
      allowed: event.allowed,
      delayMs: event.delayMs,
      retryAfterMs: event.retryAfterMs,
      remaining: event.remaining,
      ...(event.key === undefined ? {} : { key: event.key }),
      explanation: explain(event),
    })
  }
  return outcomes
}

/** Every pattern through every algorithm. */
export async function simulateAll(
  patterns: readonly TrafficPattern[],
  contenders: readonly Contender[],
): Promise<PatternRun[]> {
  const results: PatternRun[] = []
  for (const pattern of patterns) {
    const runs: AlgorithmRun[] = []
    for (const contender of contenders) runs.push({ contender, outcomes: await simulate(pattern, contender) })
    results.push({ pattern, runs })
  }
  return results
}
