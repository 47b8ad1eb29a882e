// A binding's allow and deny lists: matched against the client address and the key, before the limiter.
import { DENIED_BY_LIST } from '../access/listed.ts'
import type { RateLimitOutcome } from './outcome.ts'
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem.ts'

/** The status of a request from a client on the deny list: it is refused, not over a quota. */
const DENIED_STATUS = 403

/** The problem type of a denied client: the docs section that explains it. */
const CLIENT_DENIED_TYPE =
  'https://github.com/sluice-ts/sluice/blob/main/packages/core/docs/access-lists.md#client-denied'

const problem: ProblemDetails = Object.freeze({
  type: CLIENT_DENIED_TYPE,
  title: 'Client denied',
  status: DENIED_STATUS,
  detail: 'This client is on the deny list of this server; retrying will not help.',
  'violated-policies': Object.freeze([]) as readonly string[],
})

/**
 * What a binding sends a client on the deny list (its own, or the limiter's): 403 with a
 * problem+json body and `Cache-Control: no-store` (lists change at run time), no `Retry-After` and
 * no rate-limit headers, since no quota was consulted. `onLimited` receives it like a 429; tell the
 * two apart by `limited.status` or `limited.decision.listed === 'deny'`.
 */
export const DENIED_OUTCOME: RateLimitOutcome = Object.freeze({
  action: 'limit',
  decision: DENIED_BY_LIST,
  headers: Object.freeze([Object.freeze(['Cache-Control', 'no-store'] as const)]),
  limited: Object.freeze({
    decision: DENIED_BY_LIST,
    status: DENIED_STATUS,
    retryAfterSeconds: 0,
    problem,
    body: JSON.stringify(problem),
    contentType: PROBLEM_CONTENT_TYPE,
  }),
})

/**
 * The client address as the lists match it: the framework's, or `undefined` where it has none or
 * cannot tell (then only the key is matched). Never throws: the default key reports a missing
 * address itself.
 */
export function listedAddress<Req>(
  clientAddress: ((req: Req) => string | undefined) | undefined,
  req: Req,
): string | undefined {
  if (clientAddress === undefined) return undefined
  try {
    const address = clientAddress(req)
    return typeof address === 'string' && address !== '' ? address : undefined
  } catch {
    return undefined
  }
}
