// How a binding answers a decision the store-error mode made without the store: 503 or a bare pass.
import type { Decision } from '../decision.ts'
import { secondsUp } from './headers.ts'
import type { RateLimitOutcome } from './outcome.ts'
import { PROBLEM_CONTENT_TYPE, type ProblemDetails, refusalHeaders } from './problem.ts'

/** The status of a request refused because the store failed and the policy is `'deny'`. */
const STORE_UNAVAILABLE_STATUS = 503

/**
 * How a binding answers a placeholder decision (`onStoreError: 'deny'` or `'allow'`), which says
 * nothing about the client's quota:
 * - fail open: let the request through with no rate-limit headers (their numbers would be made up);
 * - fail closed: 503 Service Unavailable (the client did nothing wrong, so not 429), with
 *   `Retry-After` (the circuit's cool-down) and `Cache-Control: no-store`, and no rate-limit headers.
 *
 * A fallback store's decision is a real decision (for this process) and is answered as usual.
 * Returns `undefined` for any decision the store (or the fallback) made.
 */
export function placeholderResponse(decision: Decision): RateLimitOutcome | undefined {
  const degraded = decision.degraded
  if (degraded === undefined || degraded.mode === 'fallback') return undefined
  if (degraded.mode === 'allow') return { action: 'allow', decision, headers: [] }
  const retryAfterSeconds = Math.max(1, secondsUp(decision.retryAfterMs))
  const problem: ProblemDetails = {
    type: 'about:blank',
    title: 'Service Unavailable',
    status: STORE_UNAVAILABLE_STATUS,
    detail: `The rate limiter cannot reach its store, so requests are refused for now; retry after ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'}.`,
    'violated-policies': [],
  }
  return {
    action: 'limit',
    decision,
    headers: refusalHeaders(retryAfterSeconds),
    limited: {
      decision,
      status: STORE_UNAVAILABLE_STATUS,
      retryAfterSeconds,
      problem,
      body: JSON.stringify(problem),
      contentType: PROBLEM_CONTENT_TYPE,
    },
  }
}
