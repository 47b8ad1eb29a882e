// The shared per-request logic of every binding: request → limiter → what to send.
import type { Decision } from '../decision.ts'
import { MAX_TIMER_MS } from '../duration.ts'
import type { InputError } from '../errors.ts'
import type { RateLimiter } from '../limiter.ts'
import type { RulesRateLimiter } from '../rules/ruleLimiter.ts'
import type { Descriptor } from '../rules/types.ts'
import { placeholderResponse } from './degradedResponse.ts'
import { type HeaderFormatter, headerFormatter, type PolicyInfo } from './headers.ts'
import { invalidPart } from './invalid.ts'
import type { BindingSpec, ResolvedBindingOptions } from './options.ts'
import { resolveBindingOptions } from './options.ts'
import type { InvalidRequest, RateLimited, RateLimitOutcome } from './outcome.ts'
import { createParking } from './parking.ts'
import { planResponse } from './policies.ts'
import { badRequestProblem, PROBLEM_CONTENT_TYPE, quotaExceededProblem, refusalHeaders } from './problem.ts'
import { resolveCost, resolveDescriptors, resolveKey, resolveSkip } from './request.ts'
import { matchedHeaders } from './ruleHeaders.ts'
import { type AbortSignalLike, waitForTurn } from './wait.ts'

/**
 * Runs one request through the limiter. `abortSignal` is called only when the request must wait
 * its turn (shaping), so bindings pay for an `AbortController` only then; it should give a signal
 * that aborts when the client disconnects (already aborted if it has).
 *
 * A value the request produced that cannot be used (a key that is empty, not text or too long, a
 * cost that is not a whole number ≥ 0 or over every limit, a client address that is not one, bad
 * descriptors) is the `invalid` outcome, a 400. It rejects with the `InputError` when the app's own
 * `key`, `cost`, `skip` or `descriptors` function throws, or the request has no client address at
 * all, and with the limiter's own error (`StoreError`, …) for a store fault when the limiter has no
 * `onStoreError`: a fault is never turned into a 429 or a 400. With `onStoreError: 'deny'` it is a
 * 503 (`limit` with status 503), with `'allow'` an `allow` without rate-limit headers; a fallback
 * store's decisions are answered as usual.
 */
export type RateLimitCheck<Req> = (req: Req, abortSignal?: () => AbortSignalLike) => Promise<RateLimitOutcome>

const SKIP: RateLimitOutcome = Object.freeze({ action: 'skip' })

/**
 * The shared logic of every binding: validates the options once (throwing `ConfigError`), and
 * returns the per-request check. A binding is then a thin adapter: call the check, apply headers
 * with `applyHeaders`, and continue, send `limited` or `invalid`, or drop.
 *
 * @example
 * const { check } = createRateLimitCheck(options, { factory: 'rateLimit', clientAddress: (req) => req.ip })
 * const outcome = await check(req, () => abortedWhenClientLeaves(res)) // your framework's close event
 */
export function createRateLimitCheck<Req>(
  options: unknown,
  spec: BindingSpec<Req>,
): { readonly options: ResolvedBindingOptions<Req>; readonly check: RateLimitCheck<Req> } {
  const resolved = resolveBindingOptions(options, spec)
  const { limiter, skip, cost, maxDelayMs, statusCode, descriptors } = resolved
  const fixed = headerFormatter(resolved.headers, resolved.policies)
  const f = spec.factory
  const headersFor = matchedHeaders(resolved.headers, f)
  // The wait bound goes into the atomic step, so a request refused for waiting too long takes
  // nothing from the queue (planResponse still refuses anything past the timer limit).
  const waitBound = Math.min(maxDelayMs, MAX_TIMER_MS)
  // Only a limiter that can shape (a leaky bucket; a rules limiter may match one) needs places.
  const holds =
    waitBound > 0 &&
    (descriptors !== undefined || (limiter as RateLimiter).algorithms.some((a) => a.kind === 'leakyBucket'))
  const parking = createParking(resolved.maxParked)
  // Where the requests waiting their turn are counted (`limiter.events.parked`, a gauge for
  // @sluice/otel): two integer updates per shaped request, nothing on any other path.
  // Duck-typed, not instanceof: @sluice/core and @sluice/core/http may be bundled apart.
  const events = (limiter as { readonly events?: Partial<ParkedCount> }).events
  const hub = typeof events?.park === 'function' ? (events as ParkedCount) : undefined

  async function check(req: Req, abortSignal?: () => AbortSignalLike): Promise<RateLimitOutcome> {
    if (skip !== undefined && (await resolveSkip(skip, req, f))) return SKIP
    let place = false
    try {
      let key: string | undefined
      let list: readonly Descriptor[] | undefined
      if (descriptors === undefined) {
        const k = resolveKey(resolved, spec, req)
        key = typeof k === 'string' ? k : await k
      } else {
        list = await resolveDescriptors(descriptors, req, f)
      }
      const c = resolveCost(cost, req, f)
      const units = typeof c === 'number' ? c : await c
      // A place is taken before the store is asked: a request that finds none asks with a bound of
      // 0, so the step refuses any wait and takes nothing, and maxParked is never exceeded.
      place = holds && parking.reserve()
      const bound = holds && !place ? 0 : waitBound
      return await decide(key, list, units, bound, abortSignal)
    } catch (error) {
      return invalidRequest(error)
    } finally {
      if (place) parking.release()
    }
  }

  async function decide(
    key: string | undefined,
    descriptorList: readonly Descriptor[] | undefined,
    units: number,
    bound: number,
    abortSignal: (() => AbortSignalLike) | undefined,
  ): Promise<RateLimitOutcome> {
    let decision: Decision
    let policies: readonly PolicyInfo[] = resolved.policies
    let formatter: HeaderFormatter | undefined = fixed
    if (descriptorList === undefined) {
      decision = await (limiter as RateLimiter).limit(key as string, { cost: units, maxDelayMs: bound })
    } else {
      decision = await (limiter as RulesRateLimiter).limit(
        { descriptors: descriptorList },
        { cost: units, maxDelayMs: bound },
      )
      // A rules limiter's policies are the limits this request matched: headers list each of them.
      const matched = headersFor(decision.limits ?? [])
      policies = matched.policies
      formatter = matched.formatter
    }
    // Store down and onStoreError 'deny'/'allow': a 503 or a pass without quota headers, never a 429.
    const placeholder = placeholderResponse(decision)
    if (placeholder !== undefined) return placeholder
    const plan = planResponse(decision, bound === waitBound ? maxDelayMs : bound, units)
    const rateHeaders =
      formatter === undefined ? [] : formatter.format(plan.status, plan.headline, Date.now())
    if (plan.refused) {
      const problem = quotaExceededProblem({
        status: statusCode,
        violated: plan.violated.map((i) => policies[i]?.name as string),
        retryAfterSeconds: plan.retryAfterSeconds,
        // Refused for want of a place, not because its own queue is too long.
        reason: plan.reason === 'queue' && bound !== waitBound ? 'parked' : plan.reason,
      })
      const limited: RateLimited = {
        decision,
        status: statusCode,
        retryAfterSeconds: plan.retryAfterSeconds,
        problem,
        body: JSON.stringify(problem),
        contentType: PROBLEM_CONTENT_TYPE,
      }
      const headers = [...rateHeaders, ...refusalHeaders(plan.retryAfterSeconds)]
      return { action: 'limit', decision, headers, limited }
    }
    if (plan.delayMs > 0) {
      hub?.park()
      let turn: boolean
      try {
        turn = await waitForTurn(plan.delayMs, abortSignal?.())
      } finally {
        hub?.unpark()
      }
      if (!turn) return { action: 'drop', decision }
    }
    return { action: 'allow', decision, headers: rateHeaders }
  }

  return { options: resolved, check }
}

/** What a limiter's event hub offers the check: a count of the requests waiting their turn. */
interface ParkedCount {
  park(): void
  unpark(): void
}

/** The `invalid` outcome for an error that is the client's; any other error is thrown on. */
function invalidRequest(error: unknown): RateLimitOutcome {
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
