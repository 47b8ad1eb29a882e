import type { Decision } from '../decision.ts'
import type { RateLimiter } from '../limiter.ts'
import { placeholderResponse } from '../resilience/degradedResponse.ts'
import type { RulesRateLimiter } from '../rules/ruleLimiter.ts'
import { type HeaderEntry, type HeaderFormatter, headerFormatter } from './headers.ts'
import type { BindingSpec, ResolvedBindingOptions } from './options.ts'
import { resolveBindingOptions } from './options.ts'
import { describePolicies, MAX_TIMER_MS, planResponse } from './policies.ts'
import { PROBLEM_CONTENT_TYPE, type ProblemDetails, quotaExceededProblem, refusalHeaders } from './problem.ts'
import { resolveCost, resolveDescriptors, resolveKey, resolveSkip } from './request.ts'
import { type AbortSignalLike, waitForTurn } from './wait.ts'

/** A refused request, ready to send (or to hand to `onLimited`). */
export interface RateLimited {
  readonly decision: Decision
  /** The response status (`statusCode`, default 429). */
  readonly status: number
  /** `Retry-After` in whole seconds. */
  readonly retryAfterSeconds: number
  /** The problem body, and the same serialised with its content type. */
  readonly problem: ProblemDetails
  readonly body: string
  readonly contentType: typeof PROBLEM_CONTENT_TYPE
}

/**
 * What a binding does with one request:
 * - `skip`: `skip(req)` said so; continue, touching nothing;
 * - `allow`: set `headers`, store `decision`, continue (any shaping wait is already over);
 * - `limit`: set `headers` (rate-limit fields, `Retry-After`, `Cache-Control: no-store`), then send
 *   `limited` (or call `onLimited`); the handler does not run;
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
  | { readonly action: 'drop'; readonly decision: Decision }

/**
 * Runs one request through the limiter. `abortSignal` is called only when the request must wait
 * its turn (shaping), so bindings pay for an `AbortController` only then; it should give a signal
 * that aborts when the client disconnects (already aborted if it has).
 * Rejects with an `InputError` for a bad key, cost or skip result, and with the limiter's own error
 * (`StoreError`, …) for a store fault when the limiter has no `onStoreError`: a fault is never
 * turned into a 429. With `onStoreError: 'deny'` it is a 503 (`limit` with status 503), with
 * `'allow'` an `allow` without rate-limit headers; a fallback store's decisions are answered as usual.
 */
export type RateLimitCheck<Req> = (req: Req, abortSignal?: () => AbortSignalLike) => Promise<RateLimitOutcome>

/**
 * The shared logic of every binding: validates the options once (throwing `ConfigError`), and
 * returns the per-request check. A binding is then a thin adapter: call the check, apply headers
 * with `applyHeaders`, and continue, send `limited`, or drop.
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

  async function check(req: Req, abortSignal?: () => AbortSignalLike): Promise<RateLimitOutcome> {
    if (skip !== undefined && (await resolveSkip(skip, req, f))) return { action: 'skip' }
    // The wait bound goes into the atomic step, so a request refused for waiting too long takes
    // nothing from the queue (planResponse still refuses anything past the timer limit).
    const bound = Math.min(maxDelayMs, MAX_TIMER_MS)
    let decision: Decision
    let units: number
    let policies = resolved.policies
    let formatter: HeaderFormatter | undefined = fixed
    if (descriptors === undefined) {
      const k = resolveKey(resolved, spec, req)
      const key = typeof k === 'string' ? k : await k
      const c = resolveCost(cost, req, f)
      units = typeof c === 'number' ? c : await c
      decision = await (limiter as RateLimiter).limit(key, { cost: units, maxDelayMs: bound })
    } else {
      const list = await resolveDescriptors(descriptors, req, f)
      const c = resolveCost(cost, req, f)
      units = typeof c === 'number' ? c : await c
      decision = await (limiter as RulesRateLimiter).limit(
        { descriptors: list },
        { cost: units, maxDelayMs: bound },
      )
      // A rules limiter's policies are the limits this request matched: headers list each of them.
      policies = describePolicies(decision.limits ?? [], undefined, f)
      formatter = policies.length === 0 ? undefined : headerFormatter(resolved.headers, policies)
    }
    // Store down and onStoreError 'deny'/'allow': a 503 or a pass without quota headers, never a 429.
    const placeholder = placeholderResponse(decision)
    if (placeholder !== undefined) return placeholder
    const plan = planResponse(decision, maxDelayMs, units)
    const rateHeaders =
      formatter === undefined ? [] : formatter.format(plan.status, plan.headline, Date.now())
    if (plan.refused) {
      const problem = quotaExceededProblem({
        status: statusCode,
        violated: plan.violated.map((i) => policies[i]?.name as string),
        retryAfterSeconds: plan.retryAfterSeconds,
        reason: plan.reason,
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
    if (plan.delayMs > 0 && !(await waitForTurn(plan.delayMs, abortSignal?.()))) {
      return { action: 'drop', decision }
    }
    return { action: 'allow', decision, headers: rateHeaders }
  }

  return { options: resolved, check }
}
