// Folds each limit's decision of one request into the one Decision a limiter answers.
import type { Algorithm } from './algorithm.ts'
import type { Decision, LimitDecision, PolicyDecision } from './decision.ts'

/**
 * Folds each limit's decision into one. The deciding policy is the denying limit with the longest
 * wait or, when all admit, the limit with the least left (ties: the later reset).
 */
export function combine(limits: readonly Algorithm[], decisions: readonly LimitDecision[]): Decision {
  const policies: PolicyDecision[] = []
  let allowed = true
  let delayMs = 0
  for (let i = 0; i < decisions.length; i++) {
    const p = named(decisions[i] as LimitDecision, (limits[i] as Algorithm).name)
    policies.push(p)
    if (!p.allowed) allowed = false
    if (p.delayMs > delayMs) delayMs = p.delayMs
  }
  let decider = policies[0] as PolicyDecision
  for (let i = 1; i < policies.length; i++) {
    const p = policies[i] as PolicyDecision
    if (
      allowed
        ? isTighter(p, decider)
        : !p.allowed && (decider.allowed || p.retryAfterMs > decider.retryAfterMs)
    ) {
      decider = p
    }
  }
  return {
    allowed,
    limit: decider.limit,
    remaining: decider.remaining,
    resetAfterMs: decider.resetAfterMs,
    retryAfterMs: allowed ? 0 : decider.retryAfterMs,
    delayMs: allowed ? delayMs : 0,
    policy: decider.policy,
    policies,
  }
}

// An explicit literal (not a spread) keeps one object shape on the hot path.
function named(d: LimitDecision, policy: string): PolicyDecision {
  return {
    allowed: d.allowed,
    limit: d.limit,
    remaining: d.remaining,
    resetAfterMs: d.resetAfterMs,
    retryAfterMs: d.retryAfterMs,
    delayMs: d.delayMs,
    policy,
  }
}

/**
 * Whether policy `a` leaves less than `b` (ties: the later reset): which of two admitting policies
 * a decision, and the legacy headers, name.
 */
export function isTighter(a: PolicyDecision, b: PolicyDecision): boolean {
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.resetAfterMs > b.resetAfterMs)
}
