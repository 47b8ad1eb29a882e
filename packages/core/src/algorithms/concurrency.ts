// Concurrency (in-flight) limits: at most `limit` leases held at once, each expiring leaseMs after it was taken.
import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { optionsObject, policyName, positiveInteger } from '../validate.ts'
import { slidingLogStep } from './slidingLog.ts'

export interface ConcurrencyOptions extends CommonOptions {
  /** The most units (leases of cost 1) held at once. */
  readonly limit: number
  /**
   * How long a lease lives if it is never released: a holder that crashes frees its slot after
   * this. Choose it above the longest time a request may take (a lease that expires while its
   * request still runs lets one more in).
   */
  readonly leaseMs: Duration
}

export interface ConcurrencyParams {
  readonly limit: number
  readonly leaseMs: number
}

/** Option names other libraries use for these, with ours. */
const PORTED_CONCURRENCY_OPTIONS: Readonly<Record<string, string>> = {
  max: 'the most leases held at once is limit',
  maxConcurrent: 'the most leases held at once is limit',
  concurrency: 'the most leases held at once is limit',
  window: 'a lease lives leaseMs (milliseconds or a string like 30s) unless released',
  ttl: 'a lease lives leaseMs (milliseconds or a string like 30s) unless released',
}

/**
 * One step of a concurrency limit. State: the ascending times at which the live leases were taken,
 * one entry per unit (a lease of cost n holds n entries), the sliding log's state with the lease
 * duration as its window: a lease counts from its time t until t + leaseMs, or until it is
 * released (a refund removes exactly its entries, see `refundStep`). Denied: `retryAfterMs` is the
 * time until enough of the oldest leases expire, an upper bound, since holders may release sooner.
 */
function concurrencyStep(
  state: AlgorithmState | undefined,
  params: ConcurrencyParams,
  now: number,
  cost: number,
): StepResult {
  return slidingLogStep(state, { limit: params.limit, windowMs: params.leaseMs }, now, cost)
}

/**
 * Concurrency limit: at most `limit` requests in flight at once, across every process sharing the
 * store. `limit()` takes a lease; `decision.release?.()` (or `limiter.release(decision)`) gives it
 * back when the work is done; a lease never released (its holder crashed) expires `leaseMs` after
 * it was taken, so no slot is lost for good. Composed with a rate limit in one limiter, both are
 * taken all-or-nothing.
 *
 * @example
 * const inFlight = createRateLimiter({ store: memoryStore(), algorithm: concurrency({ limit: 10, leaseMs: '30s' }) })
 * const decision = await inFlight.limit(tenantId)
 * if (!decision.allowed) return tooBusy(decision.retryAfterMs) // an upper bound: a slot may free sooner
 * try {
 *   await work()
 * } finally {
 *   await decision.release?.()
 * }
 */
export function concurrency(options: ConcurrencyOptions): Algorithm<ConcurrencyParams> {
  optionsObject(options, 'concurrency', ['limit', 'leaseMs', 'name'], PORTED_CONCURRENCY_OPTIONS)
  const params = {
    limit: positiveInteger(options.limit, 'concurrency: limit'),
    leaseMs: parseDuration(options.leaseMs, 'concurrency: leaseMs'),
  }
  return {
    kind: 'concurrency',
    params,
    id: `cc:${params.limit}:${params.leaseMs}`,
    name: policyName(
      options.name,
      `concurrency:${params.limit}/${formatDuration(params.leaseMs)}`,
      'concurrency',
    ),
    limit: params.limit,
    windowMs: params.leaseMs,
    maxCost: params.limit,
    step: (state, now, cost) => concurrencyStep(state, params, now, cost),
  }
}
