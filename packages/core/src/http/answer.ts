// How one decision, or one unusable request, becomes the outcome a binding sends.
import type { Decision } from '../decision.ts'
import type { InputError } from '../errors.ts'
import { type AbortSignalLike, waitForTurn } from '../resilience/runtime.ts'
import { DENIED_OUTCOME } from './accessLists.ts'
import { placeholderResponse } from './degradedResponse.ts'
import type { HeaderEntry, HeaderFormatter, PolicyInfo } from './headers.ts'
import { invalidPart } from './invalid.ts'
import type { InvalidRequest, RateLimited, RateLimitOutcome } from './outcome.ts'
import { planResponse } from './policies.ts'
import { badRequestProblem, PROBLEM_CONTENT_TYPE, quotaExceededProblem, refusalHeaders } from './problem.ts'

const NO_HEADERS: readonly HeaderEntry[] = Object.freeze([])

/** What a binding's answers share: fixed once per middleware. */
export interface AnswerSpec {
  /** `maxDelayMs` as configured: a refused wait says whether it was the queue or a lack of places. */
  readonly maxDelayMs: number
  /** The wait bound the limiter is asked with when the request holds a place. */
  readonly waitBound: number
  readonly statusCode: number
  /** Where the requests waiting their turn are counted (`limiter.events`), if the limiter has one. */
  readonly parked: ParkedCount | undefined
}

/** What a limiter's event hub offers: a count of the requests waiting their turn (a gauge for @sluice/otel). */
export interface ParkedCount {
  park(): void
  unpark(): void
}

/**
 * The outcome of one decision. `bound` is the wait bound the limiter was asked with (0 for a
 * request that found no place to wait in); `policies` and `formatter` describe the limits that
 * decided. An admitted request that waits for nothing, the common case, is answered straight from
 * the decision; anything else goes through `planResponse`. Returns a promise only while an
 * admitted request waits its turn.
 *
 * @example
 * const outcome = await answerDecision(spec, decision, 1, spec.waitBound, undefined, policies, formatter)
 */
export function answerDecision(
  spec: AnswerSpec,
  decision: Decision,
  units: number,
  bound: number,
  abortSignal: (() => AbortSignalLike | undefined) | undefined,
  policies: readonly PolicyInfo[],
  formatter: HeaderFormatter | undefined,
): RateLimitOutcome | Promise<RateLimitOutcome> {
  // The limiter's own lists decided: a 403, or a pass without quota headers (nothing was counted).
  if (decision.listed !== undefined) {
    return decision.listed === 'deny' ? DENIED_OUTCOME : { action: 'allow', decision, headers: NO_HEADERS }
  }
  // Store down and onStoreError 'deny'/'allow': a 503 or a pass without quota headers, never a 429.
  const placeholder = placeholderResponse(decision)
  if (placeholder !== undefined) return placeholder
  if (decision.allowed && decision.delayMs === 0) {
    return {
      action: 'allow',
      decision,
      headers: formatter === undefined ? NO_HEADERS : formatter.admitted(decision),
    }
  }
  const plan = planResponse(decision, bound === spec.waitBound ? spec.maxDelayMs : bound, units)
  const rateHeaders = formatter === undefined ? [] : formatter.format(plan.status, plan.headline, Date.now())
  if (plan.refused) {
    const problem = quotaExceededProblem({
      status: spec.statusCode,
      violated: plan.violated.map((i) => policies[i]?.name as string),
      retryAfterSeconds: plan.retryAfterSeconds,
      // Refused for want of a place, not because its own queue is too long.
      reason: plan.reason === 'queue' && bound !== spec.waitBound ? 'parked' : plan.reason,
    })
    const limited: RateLimited = {
      decision,
      status: spec.statusCode,
      retryAfterSeconds: plan.retryAfterSeconds,
      problem,
      body: JSON.stringify(problem),
      contentType: PROBLEM_CONTENT_TYPE,
    }
    const headers = rateHeaders.concat(refusalHeaders(plan.retryAfterSeconds))
    return { action: 'limit', decision, headers, limited }
  }
  const allow: RateLimitOutcome = { action: 'allow', decision, headers: rateHeaders }
  if (plan.delayMs <= 0) return allow
  return waitTurn(spec.parked, plan.delayMs, abortSignal).then((waited) =>
    waited ? allow : { action: 'drop', decision },
  )
}

/** A shaped request's wait, counted as parked while it lasts: two integer updates, nothing else. */
async function waitTurn(
  parked: ParkedCount | undefined,
  delayMs: number,
  abortSignal: (() => AbortSignalLike | undefined) | undefined,
): Promise<boolean> {
  parked?.park()
  try {
    return await waitForTurn(delayMs, abortSignal?.())
  } finally {
    parked?.unpark()
  }
}

/**
 * The `invalid` outcome (a 400) for an error that is the client's; any other error is thrown on.
 *
 * @example
 * limiter.limit(key).then(answer, invalidRequest)
 */
export function invalidRequest(error: unknown): RateLimitOutcome {
  const part = invalidPart(error)
  if (part === undefined) throw error
  const problem = badRequestProblem(part)
  const invalid: InvalidRequest = {
    status: 400,
    problem,
    body: JSON.stringify(problem),
    contentType: PROBLEM_CONTENT_TYPE,
    error: error as InputError,
  }
  return { action: 'invalid', invalid }
}
