import type { HeaderEntry } from './headers.ts'
import type { InvalidPart } from './invalid.ts'
import type { RefusalReason } from './policies.ts'

/** The draft-10 problem type for a request over quota (registered as `quota-exceeded`). */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded'

/** The media type of a problem body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** An RFC 9457 problem body for a refused request, with draft-10's `violated-policies` member. */
export interface ProblemDetails {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  /** Names of the policies that refused, as they appear in the `RateLimit` header. */
  readonly 'violated-policies': readonly string[]
}

export interface ProblemInput {
  readonly status: number
  readonly violated: readonly string[]
  readonly retryAfterSeconds: number
  readonly reason?: RefusalReason
}

/**
 * The problem body of a refused request.
 *
 * @example
 * quotaExceededProblem({ status: 429, violated: ['login'], retryAfterSeconds: 42 })
 * // { type: '…#quota-exceeded', title: 'Request cannot be satisfied as assigned quota has been exceeded',
 * //   status: 429, detail: 'Quota exceeded for policy "login"; retry after 42 seconds.',
 * //   'violated-policies': ['login'] }
 */
export function quotaExceededProblem(input: ProblemInput): ProblemDetails {
  const names = input.violated.map((n) => JSON.stringify(n)).join(', ')
  const which = `${input.violated.length === 1 ? 'policy' : 'policies'} ${names}`
  const after = `retry after ${input.retryAfterSeconds} ${input.retryAfterSeconds === 1 ? 'second' : 'seconds'}.`
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: input.status,
    detail:
      input.reason === 'queue'
        ? `The queue of ${which} is longer than this server lets a request wait; ${after}`
        : input.reason === 'parked'
          ? `This server is already holding as many requests waiting their turn as it allows (${which}); ${after}`
          : `Quota exceeded for ${which}; ${after}`,
    'violated-policies': input.violated,
  }
}

/**
 * The headers every refused response carries besides the rate-limit ones: `Retry-After` in whole
 * seconds and `Cache-Control: no-store` (RFC 6585: a 429 must not be stored by a cache).
 */
export function refusalHeaders(retryAfterSeconds: number): HeaderEntry[] {
  return [
    ['Retry-After', String(retryAfterSeconds)],
    ['Cache-Control', 'no-store'],
  ]
}

/** An RFC 9457 body for a request sluice cannot limit as sent (400). */
export interface BadRequestProblem {
  readonly type: 'about:blank'
  readonly title: 'Bad Request'
  readonly status: 400
  readonly detail: string
}

// What a client is told, per part: never the value itself (a key may be an e-mail address).
const INVALID_DETAIL: Readonly<Record<InvalidPart, string>> = {
  key: 'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
  address: "This request's client address is not an IP address.",
  cost: "This request's rate-limit cost is not a whole number of 0 or more.",
  descriptors: 'This request lacks a value its rate limits are keyed on, or gives one that is malformed.',
  request:
    'This request cannot be rate-limited as sent: a value it is limited by is empty, too long or malformed, or it asks for more than any limit admits.',
}

/**
 * The 400 body of a request whose key, cost, address or descriptors cannot be used. It names what
 * was wrong, never the value (the `InputError` that carries it is for the app's logs).
 *
 * @example
 * badRequestProblem('cost').detail // "This request's rate-limit cost is not a whole number of 0 or more."
 */
export function badRequestProblem(part: InvalidPart): BadRequestProblem {
  return { type: 'about:blank', title: 'Bad Request', status: 400, detail: INVALID_DETAIL[part] }
}
