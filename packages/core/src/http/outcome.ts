// What a binding does with one request: the outcome of the shared check, ready to send.
import type { Decision } from '../decision.ts'
import type { InputError } from '../errors.ts'
import type { HeaderEntry } from './headers.ts'
import type { BadRequestProblem, PROBLEM_CONTENT_TYPE, ProblemDetails } from './problem.ts'

/** A refused request, ready to send (or to hand to `onLimited`). */
export interface RateLimited {
  readonly decision: Decision
  /**
   * The response status (`statusCode`, default 429); 403 for a client on a deny list
   * (`decision.listed === 'deny'`), 503 when the store is down under `onStoreError: 'deny'`.
   */
  readonly status: number
  /** `Retry-After` in whole seconds; 0 for a denied client, whose response has no `Retry-After`. */
  readonly retryAfterSeconds: number
  /** The problem body, and the same serialised with its content type. */
  readonly problem: ProblemDetails
  readonly body: string
  readonly contentType: typeof PROBLEM_CONTENT_TYPE
}

/** A request that cannot be limited as sent (its client's fault), ready to send as a 400. */
export interface InvalidRequest {
  readonly status: 400
  /** Says what was unusable (key, address, cost, descriptors), never the value itself. */
  readonly problem: BadRequestProblem
  readonly body: string
  readonly contentType: typeof PROBLEM_CONTENT_TYPE
  /** What was wrong, for the app's logs: its message may quote the request's values, so never send it. */
  readonly error: InputError
}

/**
 * What a binding does with one request:
 * - `skip`: `skip(req)` said so, or the client is on the `allow` list; continue, touching nothing;
 * - `allow`: set `headers`, store `decision`, continue (any shaping wait is already over);
 * - `limit`: set `headers` (rate-limit fields, `Retry-After`, `Cache-Control: no-store`), then send
 *   `limited` (or call `onLimited`); the handler does not run. A client on a `deny` list is a
 *   `limit` too: status 403, only `Cache-Control: no-store`;
 * - `invalid`: send `invalid` (a 400 problem body); the handler does not run;
 * - `drop`: the client went away during the shaping wait; do nothing more.
 */
export type RateLimitOutcome =
  | { readonly action: 'skip' }
  | { readonly action: 'allow'; readonly decision: Decision; readonly headers: readonly HeaderEntry[] }
  | {
      readonly action: 'limit'
      readonly decision: Decision
      readonly headers: readonly HeaderEntry[]
      readonly limited: RateLimited
    }
  | { readonly action: 'invalid'; readonly invalid: InvalidRequest }
  | { readonly action: 'drop'; readonly decision: Decision }
