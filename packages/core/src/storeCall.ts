import type { Algorithm } from './algorithm.ts'
import { combine } from './combine.ts'
import type { Decision, LimitDecision } from './decision.ts'
import { SluiceError, StoreError, StoreTimeoutError } from './errors.ts'
import { checkReply } from './reply.ts'
import { CircuitBreaker } from './resilience/circuitBreaker.ts'
import { createDeadlines } from './resilience/deadlines.ts'
import { DenyCache } from './resilience/denyCache.ts'
import { answerByPolicy } from './resilience/failurePolicy.ts'
import { type Resilience, resolveResilience } from './resilience/options.ts'
import type { Store, StoreRequest } from './store.ts'

/** Runs one store request and folds its per-limit decisions into one `Decision`. */
export interface StoreCall {
  (request: StoreRequest): Promise<Decision>
  /** Forgets `key` under `limits` in the store, the fallback store and the deny cache. */
  reset(key: string, limits: readonly Algorithm[]): Promise<void>
  /** Lets pending calls settle (each within its deadline), then stops timers; later calls reject. */
  close(): Promise<void>
}

/**
 * The one place a limiter talks to its store: every limiter (a plain one, or one built from rules)
 * sends its requests through here, so store-level behaviour is the same for all of them: the
 * deadline, the deny cache, the circuit breaker and the failure policy (`resolveResilience`), and
 * every reply is checked against the `Store` contract (`checkReply`) before it is used: a bad
 * reply is a `StoreError`, handled by the failure policy like any store fault.
 *
 * A synchronous store (`applySync`) cannot hang, so it gets no timer, breaker or extra promise.
 */
export function storeCall(
  store: Store,
  resilience: Resilience = resolveResilience({}, store, []),
): StoreCall {
  const applySync = store.applySync?.bind(store)
  const { policy, onError } = resilience
  const fallback = typeof policy === 'object' ? policy : undefined
  const cache = resilience.denyCacheKeys > 0 ? new DenyCache(resilience.denyCacheKeys) : undefined
  let closed = false
  const closedError = () =>
    new StoreError(
      `${store.name} store: this limiter was closed (limiter.close()); create a new one to go on`,
    )

  const resetBoth = (key: string, limits: readonly Algorithm[]): Promise<void> =>
    Promise.all([store.reset(key, limits), fallback?.reset(key, limits)]).then(() => undefined)

  const checked = (request: StoreRequest, reply: unknown): readonly LimitDecision[] =>
    checkReply(store.name, request.limits.length, reply)

  // Declared before the in-process path returns: `failed` reads them there too.
  const timeoutMs = resilience.timeoutMs
  const deadlines =
    timeoutMs === undefined || applySync !== undefined ? undefined : createDeadlines(timeoutMs)
  const timeoutError = () =>
    new StoreTimeoutError(
      `${store.name} store: no answer within ${timeoutMs} ms; check that the store is reachable, or raise timeoutMs`,
    )
  const breaker =
    resilience.breaker === undefined || applySync !== undefined
      ? undefined
      : new CircuitBreaker(resilience.breaker.failures, resilience.breaker.coolDownMs)

  if (applySync !== undefined && cache === undefined) {
    // In-process store: one promise per call; a throw (a bad reply too) becomes the policy's answer.
    const call = ((request: StoreRequest): Promise<Decision> => {
      if (closed) return Promise.reject(closedError())
      try {
        return Promise.resolve(combine(request.limits, checked(request, applySync(request))))
      } catch (error) {
        return failed(request, error)
      }
    }) as StoreCall
    call.reset = (key, limits) => (closed ? Promise.reject(closedError()) : resetBoth(key, limits))
    call.close = async () => {
      closed = true
    }
    return call
  }

  let inFlight = 0
  const idle: (() => void)[] = []
  const settled = () => {
    inFlight--
    if (inFlight === 0 && idle.length > 0) {
      for (const wake of idle.splice(0)) wake()
    }
  }

  function send(request: StoreRequest): Promise<unknown> {
    if (applySync !== undefined) {
      try {
        return Promise.resolve(applySync(request))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    let pending: Promise<unknown>
    try {
      pending = store.apply(request)
    } catch (error) {
      pending = Promise.reject(error)
    }
    return deadlines === undefined ? pending : deadlines.race(pending, timeoutError)
  }

  function failed(request: StoreRequest, error: unknown): Promise<Decision> {
    if (error instanceof SluiceError && !(error instanceof StoreError)) {
      // A ConfigError or InputError from the store is a bug to fix, not a fault to ride out.
      breaker?.success()
      return Promise.reject(error)
    }
    const fault =
      error instanceof StoreError
        ? error
        : new StoreError(
            `${store.name} store failed: ${error instanceof Error ? error.message : String(error)}`,
            {
              cause: error,
            },
          )
    breaker?.failure()
    const reason = fault instanceof StoreTimeoutError ? 'timeout' : 'store-error'
    if (onError !== undefined) {
      try {
        onError(fault, { key: request.key, reason })
      } catch {
        // A hook that throws must not change the answer.
      }
    }
    return answerByPolicy(policy, request, fault, reason, breaker?.retryAfterMs ?? 0)
  }

  const call = ((request: StoreRequest): Promise<Decision> => {
    if (closed) return Promise.reject(closedError())
    const t = cache === undefined ? 0 : DenyCache.clock(request)
    if (cache !== undefined) {
      const denial = cache.answer(request, t)
      if (denial !== undefined) return Promise.resolve(denial)
    }
    if (breaker !== undefined && !breaker.admit()) {
      return answerByPolicy(policy, request, breaker.error(store.name), 'circuit-open', breaker.retryAfterMs)
    }
    inFlight++
    return send(request).then(
      (reply) => {
        settled()
        let decisions: readonly LimitDecision[]
        try {
          decisions = checked(request, reply)
        } catch (error) {
          return failed(request, error)
        }
        breaker?.success()
        const decision = combine(request.limits, decisions)
        if (cache !== undefined && !decision.allowed) cache.remember(request, t, decision)
        return decision
      },
      (error: unknown) => {
        settled()
        return failed(request, error)
      },
    )
  }) as StoreCall

  call.reset = (key, limits) => {
    if (closed) return Promise.reject(closedError())
    cache?.forget(key, limits)
    const pending = resetBoth(key, limits)
    const guarded = deadlines === undefined ? pending : deadlines.race(pending, timeoutError)
    // A denial answered after the reset was asked for may predate it: forget again once done.
    return guarded.then(() => cache?.forget(key, limits))
  }
  call.close = async () => {
    closed = true
    if (inFlight > 0) await new Promise<void>((resolve) => idle.push(resolve))
    deadlines?.stop()
    cache?.clear()
  }
  return call
}
