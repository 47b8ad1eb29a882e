import type { Algorithm } from '../algorithm.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import type { StoreError } from '../errors.ts'

/** Why a decision was made without the store. */
export type DegradedReason = 'timeout' | 'store-error' | 'circuit-open'

/** Which failure policy answered: `onStoreError: 'deny' | 'allow'`, or the fallback store. */
export type DegradedMode = 'deny' | 'allow' | 'fallback'

/**
 * Set on a decision that the store did not make. With `mode` `'deny'` or `'allow'` the numbers are
 * placeholders (`remaining` 0, the limits' own `limit`), not counts: do not show them to clients.
 * With `'fallback'` they are the fallback store's real numbers, for this process only.
 */
export interface Degraded {
  readonly reason: DegradedReason
  readonly mode: DegradedMode
  /** The fault: a `StoreTimeoutError`, a `CircuitOpenError` or another `StoreError`. */
  readonly error: StoreError
}

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
