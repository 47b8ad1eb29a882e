// The decisions made without the store: placeholders of 'deny'/'allow', and a fallback store's, marked degraded.
import type { Algorithm } from '../algorithm.ts'
import type { Decision, Degraded, PolicyDecision } from '../decision.ts'

/**
 * The placeholder decision of `onStoreError: 'deny'` or `'allow'`. A denial says to retry after
 * `retryAfterMs` (the circuit's cool-down when it is open), so clients back off without a storm.
 */
export function placeholderDecision(
  limits: readonly Algorithm[],
  allowed: boolean,
  retryAfterMs: number,
  degraded: Degraded,
): Decision {
  const policies: PolicyDecision[] = limits.map((a) => ({
    allowed,
    limit: a.limit,
    remaining: 0,
    resetAfterMs: allowed ? 0 : retryAfterMs,
    retryAfterMs: allowed ? 0 : retryAfterMs,
    delayMs: 0,
    policy: a.name,
  }))
  const first = policies[0] as PolicyDecision
  return { ...first, policies, degraded }
}

/** `decision` marked as made by the fallback store. */
export function fromFallback(decision: Decision, degraded: Degraded): Decision {
  return { ...decision, degraded }
}
