// The policies a binding advertises, and how one decision becomes a response plan.
import type { Algorithm } from '../algorithm.ts'
import { isTighter } from '../combine.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import { MAX_TIMER_MS } from '../duration.ts'
import { ConfigError } from '../errors.ts'
import type { PolicyInfo, PolicyStatus } from './headers.ts'
import { secondsUp } from './headers.ts'
import { asciiPolicyName } from './structuredFields.ts'

/**
 * The policies a middleware advertises, one per limit of its limiter, in the limiter's order.
 * Names: the limit's own name (`fixedWindow:100/1m` or the `name` given to its factory); with
 * `policyName`, that name for a single limit, or `policyName:limitName` for each limit of a
 * composite. Names are made ASCII with `asciiPolicyName`; two limits may not share one.
 */
export function describePolicies(
  algorithms: readonly Algorithm[],
  policyName: string | undefined,
  factory = 'rateLimit',
): PolicyInfo[] {
  const policies = algorithms.map((a) => ({
    name: asciiPolicyName(
      policyName === undefined ? a.name : algorithms.length === 1 ? policyName : `${policyName}:${a.name}`,
    ),
    quota: a.limit,
    windowMs: a.windowMs,
  }))
  const seen = new Set<string>()
  for (const p of policies) {
    if (seen.has(p.name)) {
      throw new ConfigError(
        `${factory}: two limits of this limiter are both named ${JSON.stringify(p.name)}, so clients could not tell their headers apart; give each limit its own name (fixedWindow({ …, name: 'perSecond' }))`,
      )
    }
    seen.add(p.name)
  }
  return policies
}

/**
 * Why a response is refused: a limit denied it (`quota`), its shaping wait is longer than
 * `maxDelayMs` (`queue`), or it would have to wait while the binding already holds `maxParked`
 * waiting requests (`parked`).
 */
export type RefusalReason = 'quota' | 'queue' | 'parked'

/** How one decision turns into a response, before any header is written. */
export interface ResponsePlan {
  /** Refused (429) or not. */
  readonly refused: boolean
  readonly reason: RefusalReason | undefined
  /** Per policy, in order: `r` and the `t` to send. */
  readonly status: readonly PolicyStatus[]
  /** The policy the single-valued legacy headers describe. */
  readonly headline: number
  /** Indexes of the policies that refused. Empty when admitted. */
  readonly violated: readonly number[]
  /** `Retry-After` in whole seconds (≥ 1) when refused; 0 when admitted. */
  readonly retryAfterSeconds: number
  /** How long to hold an admitted request (shaping). 0 when refused. */
  readonly delayMs: number
}

/**
 * Plans the response for one decision. The rule that keeps `Retry-After` and `RateLimit` consistent:
 *
 * - a policy that refused sends `t` = its own wait rounded up: `retryAfterMs` when it denied (for
 *   a wait over `maxDelayMs`, which the limiter turns into a denial that takes nothing, that is
 *   the extra wait), or its `delayMs` when an admitted wait is too long for a timer (draft-10
 *   defines `t` as the time until more quota is available, which for a refusing policy is that wait);
 * - every other policy sends `t` = `resetAfterMs` rounded up;
 * - `Retry-After` = the largest `t` among the refusing policies (at least 1 s), so it is never
 *   earlier than the `t` of any policy that refused, and equal to the deciding one's.
 *
 * The headline (legacy headers) is the refusing policy with the longest wait, or, when admitted,
 * the policy with the least left (ties: the later reset), as in `Decision.policy`.
 */
export function planResponse(decision: Decision, maxDelayMs: number, cost = 1): ResponsePlan {
  const policies = decision.policies
  const overlong =
    decision.allowed &&
    decision.delayMs > 0 &&
    (decision.delayMs > maxDelayMs || decision.delayMs > MAX_TIMER_MS)
  // A denial with room for `cost` in every denying limit can only be a wait over maxDelayMs:
  // a quota denial always leaves less than `cost`.
  const waitDenied = !decision.allowed && policies.every((p) => p.allowed || p.remaining >= cost)
  const queued = overlong || waitDenied
  const refused = !decision.allowed || overlong
  const status: PolicyStatus[] = []
  const violated: number[] = []
  let headline = 0
  let longestWait = -1
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as PolicyDecision
    const waitMs = refused ? refusalWait(p, overlong, maxDelayMs) : -1
    if (waitMs >= 0) {
      violated.push(i)
      status.push({ remaining: p.remaining, resetMs: waitMs })
      if (waitMs > longestWait) {
        longestWait = waitMs
        headline = i
      }
    } else {
      status.push({ remaining: p.remaining, resetMs: p.resetAfterMs })
      if (!refused && i > 0 && isTighter(p, policies[headline] as PolicyDecision)) headline = i
    }
  }
  return {
    refused,
    reason: refused ? (queued ? 'queue' : 'quota') : undefined,
    status,
    headline,
    violated,
    retryAfterSeconds: refused ? Math.max(1, secondsUp(longestWait)) : 0,
    delayMs: refused ? 0 : decision.delayMs,
  }
}

/** The wait that makes a policy refuse, or −1 when it did not. */
function refusalWait(p: PolicyDecision, overlong: boolean, maxDelayMs: number): number {
  if (!overlong) return p.allowed ? -1 : p.retryAfterMs
  return p.delayMs > maxDelayMs || p.delayMs > MAX_TIMER_MS ? p.delayMs : -1
}
