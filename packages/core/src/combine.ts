import type { Algorithm } from './algorithm.ts'
import type { Decision, LimitDecision, PolicyDecision } from './decision.ts'

/**
 * Folds each limit's decision into one. The deciding policy is the denying limit with the longest
 * wait or, when all admit, the limit with the least left (ties: the later reset).
 */
export function combine(limits: readonly Algorithm[], decisions: readonly LimitDecision[]): Decision {
  const policies: PolicyDecision[] = decisions.map((d, i) => ({
    ...d,
    policy: (limits[i] as Algorithm).name,
  }))
  let decider = policies[0] as PolicyDecision
  const allowed = policies.every((p) => p.allowed)
  for (const p of policies) {
    if (
      allowed
        ? isTighter(p, decider)
        : !p.allowed && (decider.allowed || p.retryAfterMs > decider.retryAfterMs)
    ) {
      decider = p
    }
  }
  const delayMs = allowed ? Math.max(...policies.map((p) => p.delayMs)) : 0
  return {
    allowed,
    limit: decider.limit,
    remaining: decider.remaining,
    resetAfterMs: decider.resetAfterMs,
    retryAfterMs: allowed ? 0 : decider.retryAfterMs,
    delayMs,
    policy: decider.policy,
    policies,
  }
}

function isTighter(a: PolicyDecision, b: PolicyDecision): boolean {
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.resetAfterMs > b.resetAfterMs)
}
