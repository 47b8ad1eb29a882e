// The limit of a `requests_per_unit: 0` rule: refuses every cost above 0, counts nothing, never reaches a store.
import type { Algorithm, LimitDecision } from '../algorithm.ts'

/**
 * A limit of 0 per `windowMs`, named `name`: a fixed window that can admit nothing. It keeps no
 * state, so the pipeline answers it without a store call (`Plan.blocked`). A refusal's
 * `retryAfterMs` is one window: as long as the rule stays, no later request passes either.
 *
 * @example
 * blockLimit('blocked_ip', 1000).step(undefined, 0, 1).decision.allowed // false
 */
export function blockLimit(name: string, windowMs: number): Algorithm {
  return Object.freeze({
    kind: 'fixedWindow',
    params: Object.freeze({ limit: 0, windowMs }),
    id: `block/${windowMs}`,
    name,
    limit: 0,
    windowMs,
    maxCost: 0,
    step(_state: unknown, _now: number, cost: number) {
      const decision: LimitDecision = {
        allowed: cost === 0,
        limit: 0,
        remaining: 0,
        resetAfterMs: windowMs,
        retryAfterMs: cost === 0 ? 0 : windowMs,
        delayMs: 0,
      }
      return { state: [], decision, ttlMs: 0 }
    },
  })
}
