// Folds each limit's decision of one request into the one Decision a limiter answers.
import type { Algorithm } from './algorithm.ts'
import type { Decision, LimitDecision, PolicyDecision } from './decision.ts'

/**
 * Folds each limit's decision into one. The deciding policy is the denying limit with the longest
 * wait or, when all admit, the limit with the least left (ties: the later reset).
 */
export function combine(limits: readonly Algorithm[], decisions: readonly LimitDecision[]): Decision {
  if (decisions.length === 1) return decideOne(decisions[0] as LimitDecision, (limits[0] as Algorithm).name)
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

/**
 * `combine` for one limit, named `policy`: its numbers (`retryAfterMs` 0 when it admits, `delayMs`
 * 0 when it denies, as `combine` folds any number of limits) and itself as the one policy. Reads
 * `d` once, so `d` may be a buffer the caller reuses.
 *
 * @example decideOne(decision, limit.name).policies[0].policy === limit.name // true
 */
export function decideOne(d: LimitDecision, policy: string): Decision {
  const allowed = d.allowed
  return {
    allowed,
    limit: d.limit,
    remaining: d.remaining,
    resetAfterMs: d.resetAfterMs,
    retryAfterMs: allowed ? 0 : d.retryAfterMs,
    delayMs: allowed ? d.delayMs : 0,
    policy,
    policies: [named(d, policy)],
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
