// The shared per-request logic of every binding: request → limiter → what to send.
import type { CallOptions } from '../callOptions.ts'
import type { Decision } from '../decision.ts'
import { MAX_TIMER_MS } from '../duration.ts'
import type { RateLimiter } from '../limiter.ts'
import type { AbortSignalLike } from '../resilience/runtime.ts'
import type { RulesRateLimiter } from '../rules/ruleLimiter.ts'
import type { DescriptorRequest } from '../rules/types.ts'
import { DENIED_OUTCOME, listedAddress } from './accessLists.ts'
import { type AnswerSpec, answerDecision, invalidRequest, type ParkedCount } from './answer.ts'
import { type BindingEvents, hubFor } from './bindingEvents.ts'
import { headerFormatter } from './headers.ts'
import type { BindingSpec, MaybePromise, ResolvedBindingOptions } from './options.ts'
import { resolveBindingOptions } from './options.ts'
import type { RateLimitOutcome } from './outcome.ts'
import { createParking } from './parking.ts'
import { resolveCost, resolveDescriptors, resolveKey, resolveSkip } from './request.ts'
import { ALLOW_LISTED, requestEvent } from './requestEvent.ts'
import { matchedHeaders } from './ruleHeaders.ts'
import { createSettle, type Settle } from './settle.ts'

/**
 * Runs one request through the limiter. `abortSignal` is called, with the request, only when the
 * request must wait its turn (shaping), so bindings pay for an `AbortController` only then and can
 * pass one function made once; it should give a signal that aborts when the client disconnects
 * (already aborted if it has).
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
export type RateLimitCheck<Req> = (
  req: Req,
  abortSignal?: (req: Req) => AbortSignalLike,
) => Promise<RateLimitOutcome>

const SKIP: RateLimitOutcome = Object.freeze({ action: 'skip' })

/** What `createRateLimitCheck` gives a binding. */
export interface RateLimitChecker<Req, Res> {
  readonly options: ResolvedBindingOptions<Req, Res>
  readonly check: RateLimitCheck<Req>
  /**
   * The "response ended" hook, `undefined` when nothing waits for a response's end (no
   * `skipFailedRequests` / `skipSuccessfulRequests`): then watch nothing. Otherwise call it once per
   * `allow` outcome when the response has ended (see `Settle`).
   */
  readonly settle: Settle<Req, Res> | undefined
  /** The binding's event stream (the `events` option's, or its own): expose it as `events`. */
  readonly events: BindingEvents
}

/** The part of a limiter's event hub the request events use, duck-typed (core/http may be bundled apart). */
interface LimiterHubLike {
  readonly limiter?: string
  readonly exposesKeys?: boolean
  showKey?(key: string): string | undefined
}

/**
 * The shared logic of every binding: validates the options once (throwing `ConfigError`), and
 * returns the per-request check. A binding is then a thin adapter: call the check, apply headers
 * with `applyHeaders`, and continue, send `limited` or `invalid`, or drop.
 *
 * Everything that does not depend on the request is made here, once: the header values, the
 * options of every limiter call, the functions that answer a decision. A request of a limiter
 * without `skip`, `descriptors` or a cost function that cannot be held (the usual case) then costs
 * its key, one limiter call and one `then`: no async function, no closure.
 *
 * @example
 * const { check } = createRateLimitCheck(options, { factory: 'rateLimit', clientAddress: (req) => req.ip })
 * const outcome = await check(req, (req) => abortedWhenClientLeaves(req)) // your framework's close event
 */
export function createRateLimitCheck<Req, Res = unknown>(
  options: unknown,
  spec: BindingSpec<Req>,
): RateLimitChecker<Req, Res> {
  const resolved = resolveBindingOptions<Req, Res>(options, spec)
  const { limiter, skip, cost, descriptors, allow, deny, perCaller } = resolved
  const fixed = headerFormatter(resolved.headers, resolved.policies)
  const f = spec.factory
  const headersFor = matchedHeaders(resolved.headers, f)
  // Where the requests waiting their turn are counted (`limiter.events.parked`, a gauge for
  // @sluice/otel): two integer updates per shaped request, nothing on any other path.
  // Duck-typed, not instanceof: @sluice/core and @sluice/core/http may be bundled apart.
  const events = (limiter as { readonly events?: Partial<ParkedCount> & LimiterHubLike }).events
  const hub = hubFor(resolved.events, `${f}: events`)
  const source = { binding: spec.binding ?? f, limiter: events?.limiter }
  // A request may hold a concurrency lease until its response ends: a plain limiter's limits say
  // whether; a rules or per-caller limiter's differ per request, so their requests are watched.
  const leases =
    descriptors !== undefined ||
    perCaller ||
    (limiter as RateLimiter).algorithms.some((a) => a.kind === 'concurrency')
  const settle = createSettle(resolved.outcomes, hub, source, leases)
  // Keys in request events only as the limiter's exposeKey shows them (its hub decides).
  const showKey =
    events?.exposesKeys === true && typeof events.showKey === 'function'
      ? (key: string) => (events as Required<LimiterHubLike>).showKey(key)
      : undefined
  const answers: AnswerSpec = {
    maxDelayMs: resolved.maxDelayMs,
    // The wait bound goes into the atomic step, so a request refused for waiting too long takes
    // nothing from the queue (planResponse still refuses anything past the timer limit).
    waitBound: Math.min(resolved.maxDelayMs, MAX_TIMER_MS),
    statusCode: resolved.statusCode,
    parked: typeof events?.park === 'function' ? (events as ParkedCount) : undefined,
  }
  const { waitBound } = answers
  // Only a limiter that can shape (a leaky bucket; a rules limiter may match one) needs places.
  const holds =
    waitBound > 0 &&
    (descriptors !== undefined ||
      perCaller ||
      (limiter as RateLimiter).algorithms.some((a) => a.kind === 'leakyBucket'))
  const parking = createParking(resolved.maxParked)

  // The usual request: a fixed cost, no skip, no descriptors, no place to hold. Its call options are
  // the same every time (those `general` passes for it), so they are made once.
  const lists = allow !== undefined || deny !== undefined
  const direct =
    skip === undefined &&
    descriptors === undefined &&
    !perCaller &&
    typeof cost === 'number' &&
    !holds &&
    !lists
  const directOptions: CallOptions = Object.freeze({ cost: cost as number, maxDelayMs: waitBound })
  const answerDirect = (decision: Decision) =>
    answerDecision(answers, decision, cost as number, waitBound, undefined, resolved.policies, fixed)
  const askDirect = (key: string): Promise<RateLimitOutcome> => {
    let decided: Promise<Decision>
    try {
      decided = (limiter as RateLimiter).limit(key, directOptions)
    } catch (error) {
      // A limiter that checks its input before it returns a promise.
      return answerError(error)
    }
    return decided.then(answerDirect, invalidRequest)
  }

  function check(req: Req, abortSignal?: (req: Req) => AbortSignalLike): Promise<RateLimitOutcome> {
    // Nobody listening (the usual case): one array length and one channel flag, nothing built.
    if (hub.wantsRequest()) return observed(req, abortSignal)
    if (!direct) return general(req, abortSignal, undefined)
    let key: MaybePromise<string>
    try {
      key = resolveKey(resolved, spec, req)
    } catch (error) {
      return answerError(error)
    }
    return typeof key === 'string' ? askDirect(key) : key.then(askDirect, invalidRequest)
  }

  /** A request someone listens to: the general path, noting the key, then its `request` event. */
  async function observed(
    req: Req,
    abortSignal: ((req: Req) => AbortSignalLike) | undefined,
  ): Promise<RateLimitOutcome> {
    const note: KeyNote = { key: undefined }
    const outcome = await general(req, abortSignal, note)
    const key = note.key === undefined || showKey === undefined ? undefined : showKey(note.key)
    hub.emit('request', requestEvent(source, outcome, key))
    return outcome
  }

  /**
   * Any other request: `skip`, allow or deny lists, a cost function, descriptors, or a place to
   * hold while it waits. `note` receives the key, for a request event.
   */
  async function general(
    req: Req,
    abortSignal: ((req: Req) => AbortSignalLike) | undefined,
    note: KeyNote | undefined,
  ): Promise<RateLimitOutcome> {
    if (skip !== undefined && (await resolveSkip(skip, req, f))) return SKIP
    // The lists first read the address: a denied client is refused before its key is even made.
    const address = lists ? listedAddress(spec.clientAddress, req) : undefined
    if (address !== undefined && deny?.matches(address)) return DENIED_OUTCOME
    let place = false
    try {
      let key: string | undefined
      let list: DescriptorRequest['descriptors'] | undefined
      if (descriptors === undefined) key = await resolveKey(resolved, spec, req)
      else list = await resolveDescriptors(descriptors, req, f)
      if (note !== undefined) note.key = key
      if (lists) {
        // Deny wins: the key is checked against it before either is checked against allow.
        if (key !== undefined && deny?.matches(key)) return DENIED_OUTCOME
        if (
          allow !== undefined &&
          ((address !== undefined && allow.matches(address)) || (key !== undefined && allow.matches(key)))
        ) {
          return ALLOW_LISTED
        }
      }
      const units = await resolveCost(cost, req, f)
      // A place is taken before the store is asked: a request that finds none asks with a bound of
      // 0, so the step refuses any wait and takes nothing, and maxParked is never exceeded.
      place = holds && parking.reserve()
      const bound = holds && !place ? 0 : waitBound
      const signal = abortSignal === undefined ? undefined : () => abortSignal(req)
      const options = { cost: units, maxDelayMs: bound }
      const decision =
        list === undefined
          ? await (limiter as RateLimiter).limit(key as string, options)
          : await (limiter as RulesRateLimiter).limit({ descriptors: list }, options)
      if (list === undefined && !perCaller) {
        return await answerDecision(answers, decision, units, bound, signal, resolved.policies, fixed)
      }
      // Rules and per-caller limiters: the policies are the limits this request used, so the
      // headers list each of them.
      const used = headersFor(decision.limits ?? [])
      return await answerDecision(answers, decision, units, bound, signal, used.policies, used.formatter)
    } catch (error) {
      return invalidRequest(error)
    } finally {
      if (place) parking.release()
    }
  }

  return { options: resolved, check, settle, events: hub }
}

/** Where the general path leaves the request's key for its event. */
interface KeyNote {
  key: string | undefined
}

/** A request that failed before the limiter was asked: the `invalid` outcome, or the error thrown on. */
function answerError(error: unknown): Promise<RateLimitOutcome> {
  try {
    return Promise.resolve(invalidRequest(error))
  } catch (thrown) {
    return Promise.reject(thrown)
  }
}
