// The one place a limiter talks to its store: deadline, deny cache, breaker, store-error mode, reply check.
import type { Algorithm, LimitDecision } from './algorithm.ts'
import { combine, decideOne } from './combine.ts'
import type { Decision } from './decision.ts'
import { ConfigError, SluiceError, StoreError, StoreTimeoutError } from './errors.ts'
import type { CallTrace } from './events/decisionEvent.ts'
import type { EventHub } from './events/hub.ts'
import type { Penalty } from './penalty.ts'
import { checkDecision, checkReply } from './reply.ts'
import { CircuitBreaker } from './resilience/circuitBreaker.ts'
import { createStoreDeadlines } from './resilience/deadlines.ts'
import { DenyCache } from './resilience/denyCache.ts'
import { type Resilience, resolveResilience } from './resilience/options.ts'
import { monotonicNow } from './resilience/runtime.ts'
import { answerWithoutStore } from './resilience/storeErrorMode.ts'
import type { BanRequest, ChargeRequest, RefundRequest, Store, StoreRequest } from './store.ts'

/** Runs one store request and folds its per-limit decisions into one `Decision`. */
export interface StoreCall {
  /**
   * With a `trace` (only when someone listens), says how the decision was made. `taken` turns the
   * store's decision into the one answered (a refundable one) in the same step: no extra promise.
   */
  (request: StoreRequest, trace?: CallTrace, taken?: (decision: Decision) => Decision): Promise<Decision>
  /**
   * The call of a limiter whose limits are the same on every call, by the caller's key: the same
   * as `call({ key: start + key, limits, … })`. On a synchronous store with a `syncDecider` and
   * no deny cache, a one-limit call allocates no request, no joined key and no reply array.
   */
  keyed(start: string, limits: readonly Algorithm[], taken?: TakenHook, penalty?: Penalty): KeyedCall
  /**
   * `Store.ban` / `Store.unban` within the deadline (no breaker, no store-error mode: a failure
   * rejects with its `StoreError`); both forget the key's cached denials.
   */
  ban(request: BanRequest, limits: readonly Algorithm[]): Promise<void>
  unban(limiterKey: string, limits: readonly Algorithm[]): Promise<void>
  /**
   * Gives units back in the store (`Store.refund`) within the deadline, and forgets the key's
   * cached denials. No breaker, no store-error mode: a failed refund rejects with its `StoreError`.
   */
  refund(request: RefundRequest): Promise<void>
  /**
   * Takes units past the limit in the store (`Store.charge`) within the deadline, and folds its
   * replies (checked) into one decision. No breaker, no store-error mode and no deny cache: a
   * cached denial never hides a charge, and a charge forgets none (it only makes things worse).
   */
  charge(request: ChargeRequest): Promise<Decision>
  /** Forgets `limiterKey` under `limits` in the store, the fallback store and the deny cache. */
  reset(limiterKey: string, limits: readonly Algorithm[]): Promise<void>
  /** Lets pending calls settle (each within its deadline), then stops timers; later calls reject. */
  close(): Promise<void>
}

/**
 * What a limiter makes of a consuming call's decision (`limit()`: it makes it refundable), given
 * the call's key, cost, clock reading and per-limit costs (`StoreRequest.costs`).
 */
type TakenHook = (
  decision: Decision,
  key: string,
  cost: number,
  now: number | undefined,
  costs: readonly number[] | undefined,
) => Decision

/** A {@link StoreCall} for fixed limits: the caller's key and the request's other fields. */
export type KeyedCall = (
  key: string,
  cost: number,
  consume: boolean,
  now: number | undefined,
  maxDelayMs: number | undefined,
  trace?: CallTrace,
  /** Units per limit when they differ (`StoreRequest.costs`); `cost` is then their largest. */
  costs?: readonly number[],
) => Promise<Decision>

/** A decision answered without the store (degraded), through `taken` too: off the fast path. */
function answered(
  decided: Promise<Decision>,
  taken: ((d: Decision) => Decision) | undefined,
): Promise<Decision> {
  return taken === undefined ? decided : decided.then(taken)
}

/**
 * The `ConfigError` for a request with per-limit costs on a store that cannot take them
 * (`capabilities.costs` not true): raised before the store is asked, never a silent overcharge.
 */
function costsUnsupported(store: Store, operation: string): ConfigError {
  return new ConfigError(
    `${store.name} store cannot take different costs per limit in one ${operation} (its capabilities.costs is not true); give one number as cost, or use a store that can, such as memoryStore() or ioredisStore({ client })`,
  )
}

/**
 * Every limiter sends its store requests through here, so store-level behaviour is the same for
 * all of them: the deadline (`createStoreDeadlines`, the same machinery stores use), the deny
 * cache, the circuit breaker and the store-error mode (`resolveResilience`), and every reply is
 * checked against the `Store` contract (`checkReply`) before it is used: a bad reply is a
 * `StoreError`, handled like any store fault. Nothing here throws synchronously.
 *
 * A synchronous store (`applySync`) cannot hang: it gets no timer and no breaker, and without a
 * deny cache no promise but the one it answers with.
 */
export function storeCall(
  store: Store,
  resilience: Resilience = resolveResilience({}, store, []),
  events?: EventHub,
): StoreCall {
  const applySync = store.applySync?.bind(store)
  const { storeErrorMode, onError } = resilience
  const fallback = typeof storeErrorMode === 'object' ? storeErrorMode : undefined
  const cache = resilience.denyCacheKeys > 0 ? new DenyCache(resilience.denyCacheKeys) : undefined
  const direct = applySync !== undefined && cache === undefined
  const closedError = () =>
    new StoreError(
      `${store.name} store: this limiter was closed (limiter.close()); create a new one to go on`,
    )
  const deadlines = createStoreDeadlines({
    store: store.name,
    timeoutMs: applySync === undefined ? resilience.timeoutMs : undefined,
    closedError,
  })
  const breaker =
    resilience.breaker === undefined || applySync !== undefined
      ? undefined
      : new CircuitBreaker(resilience.breaker.failures, resilience.breaker.coolDownMs)
  // Checked before anything else of a call: a store that cannot take per-limit costs never sees them.
  const takesCosts = store.capabilities.costs === true
  const send = (request: StoreRequest): unknown | Promise<unknown> =>
    applySync !== undefined ? applySync(request) : store.apply(request)

  const breakerOpen = () => breaker?.isOpen === true

  function failed(request: StoreRequest, error: unknown): Promise<Decision> {
    if (error instanceof SluiceError && !(error instanceof StoreError)) {
      // A ConfigError or InputError from the store is a bug to fix, not a fault to ride out.
      succeeded()
      return Promise.reject(error)
    }
    const fault =
      error instanceof StoreError
        ? error
        : new StoreError(
            `${store.name} store failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          )
    const wasOpen = breakerOpen()
    breaker?.failure()
    const reason = fault instanceof StoreTimeoutError ? 'timeout' : 'store-error'
    if (events?.wants('storeError')) {
      events.emit('storeError', { limiter: events.limiter, store: store.name, reason, error: fault })
    }
    if (!wasOpen && breakerOpen() && events?.wants('breakerOpen')) {
      events.emit('breakerOpen', {
        limiter: events.limiter,
        store: store.name,
        retryAfterMs: breaker?.retryAfterMs ?? 0,
      })
    }
    if (onError !== undefined) {
      try {
        onError(fault, { key: request.key, reason })
      } catch {
        // A hook that throws must not change the answer.
      }
    }
    return answerWithoutStore(storeErrorMode, request, fault, reason, breaker?.retryAfterMs ?? 0)
  }

  /** The store answered: the breaker closes, and says so if it was open. */
  function succeeded(): void {
    if (breaker === undefined) return
    const wasOpen = breaker.isOpen
    breaker.success()
    if (wasOpen && events?.wants('breakerClose')) {
      events.emit('breakerClose', { limiter: events.limiter, store: store.name, retryAfterMs: 0 })
    }
  }

  function cacheHit(request: StoreRequest, denial: Decision, trace: CallTrace | undefined): void {
    if (trace !== undefined) trace.cached = true
    if (events?.wants('denyCacheHit')) {
      events.emit('denyCacheHit', {
        limiter: events.limiter,
        key: events.exposesKeys ? events.showKey(events.userKey(request.key)) : undefined,
        policy: denial.policy,
        retryAfterMs: denial.retryAfterMs,
      })
    }
  }

  const call = ((
    request: StoreRequest,
    trace?: CallTrace,
    taken?: (decision: Decision) => Decision,
  ): Promise<Decision> => {
    if (deadlines.closed) return Promise.reject(closedError())
    if (request.costs !== undefined && !takesCosts) return Promise.reject(costsUnsupported(store, 'call'))
    if (direct) {
      // In-process store: one promise per call; a throw (a bad reply too) is the store-error mode's to answer.
      try {
        const started = trace === undefined ? 0 : monotonicNow()
        const reply = (applySync as NonNullable<typeof applySync>)(request)
        const decision = blocked(
          combine(request.limits, checkReply(store.name, request.limits.length, reply)),
          reply,
        )
        if (trace !== undefined) trace.storeLatencyMs = monotonicNow() - started
        return Promise.resolve(taken === undefined ? decision : taken(decision))
      } catch (error) {
        return answered(failed(request, error), taken)
      }
    }
    const t = cache === undefined ? 0 : DenyCache.clock(request)
    if (cache !== undefined) {
      const denial = cache.answer(request, t)
      if (denial !== undefined) {
        if (trace !== undefined || events !== undefined) cacheHit(request, denial, trace)
        return Promise.resolve(taken === undefined ? denial : taken(denial))
      }
    }
    if (breaker !== undefined && !breaker.admit()) {
      return answered(
        answerWithoutStore(
          storeErrorMode,
          request,
          breaker.error(store.name),
          'circuit-open',
          breaker.retryAfterMs,
        ),
        taken,
      )
    }
    const started = trace === undefined ? 0 : monotonicNow()
    return deadlines
      .run('apply', () => send(request))
      .then(
        (reply) => {
          let decisions: readonly LimitDecision[]
          try {
            decisions = checkReply(store.name, request.limits.length, reply)
          } catch (error) {
            return answered(failed(request, error), taken)
          }
          if (trace !== undefined) trace.storeLatencyMs = monotonicNow() - started
          succeeded()
          const decision = blocked(combine(request.limits, decisions), decisions)
          if (cache !== undefined && !decision.allowed) cache.remember(request, t, decision)
          return taken === undefined ? decision : taken(decision)
        },
        (error: unknown) => answered(failed(request, error), taken),
      )
  }) as StoreCall

  call.keyed = (start, limits, taken, penalty) => {
    const joined: KeyedCall = (key, cost, consume, now, maxDelayMs, trace, costs) =>
      call(
        costs !== undefined
          ? { key: start + key, limits, cost, costs, consume, now, maxDelayMs, penalty }
          : penalty === undefined
            ? { key: start + key, limits, cost, consume, now, maxDelayMs }
            : { key: start + key, limits, cost, consume, now, maxDelayMs, penalty },
        trace,
        consume && taken !== undefined ? (d) => taken(d, key, cost, now, costs) : undefined,
      )
    // A decider knows no blocks: a limiter with a penalty sends requests.
    const decide =
      direct && limits.length === 1 && penalty === undefined
        ? store.syncDecider?.(start, limits[0] as Algorithm)
        : undefined
    if (decide === undefined) return joined
    const policy = (limits[0] as Algorithm).name
    // The decider's answer, read at once by `checkDecision` and `decideOne`: calls never overlap.
    const out = { allowed: false, limit: 0, remaining: 0, resetAfterMs: 0, retryAfterMs: 0, delayMs: 0 }
    // One limit: a cost object resolves to one number, so a decider never sees `costs`.
    return (key, cost, consume, now, maxDelayMs, trace) => {
      if (deadlines.closed) return Promise.reject(closedError())
      try {
        const started = trace === undefined ? 0 : monotonicNow()
        // In process, the store's clock is this process's: read here, the take's time is known to
        // the decision, whose refund then needs no monotonic reading (see `Refunds.attach`).
        const at = now ?? Date.now()
        decide(key, cost, consume, at, maxDelayMs, out)
        // The same contract check as every reply: a third-party decider is no more trusted.
        checkDecision(store.name, 0, out)
        if (trace !== undefined) trace.storeLatencyMs = monotonicNow() - started
        const decision = decideOne(out, policy)
        return Promise.resolve(
          consume && taken !== undefined ? taken(decision, key, cost, at, undefined) : decision,
        )
      } catch (error) {
        const request = { key: start + key, limits, cost, consume, now, maxDelayMs }
        return consume && taken !== undefined
          ? failed(request, error).then((d) => taken(d, key, cost, now, undefined))
          : failed(request, error)
      }
    }
  }

  call.reset = (limiterKey, limits) => {
    cache?.forget(limiterKey, limits)
    return (
      deadlines
        .run('reset', () =>
          Promise.all([store.reset(limiterKey, limits), fallback?.reset(limiterKey, limits)]),
        )
        // A denial answered after the reset was asked for may predate it: forget again once done.
        .then(() => cache?.forget(limiterKey, limits))
    )
  }
  const penaltyCall = (
    operation: 'ban' | 'unban',
    key: string,
    limits: readonly Algorithm[],
    run: () => Promise<void>,
  ) => {
    if (deadlines.closed) return Promise.reject(closedError())
    cache?.forget(key, limits)
    return deadlines.run(operation, run).then(
      () => {
        // A denial answered while the ban or unban was on its way may predate it: forget again.
        cache?.forget(key, limits)
      },
      (error: unknown) => {
        if (error instanceof SluiceError) throw error
        throw new StoreError(
          `${store.name} store: ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      },
    )
  }
  call.ban = (request, limits) =>
    penaltyCall('ban', request.key, limits, () => (store.ban as NonNullable<Store['ban']>)(request))
  call.unban = (key, limits) =>
    penaltyCall('unban', key, limits, () => (store.unban as NonNullable<Store['unban']>)(key))
  call.refund = (request) => {
    if (deadlines.closed) return Promise.reject(closedError())
    if (request.costs !== undefined && !takesCosts) return Promise.reject(costsUnsupported(store, 'refund'))
    const refund = store.refund?.bind(store)
    if (refund === undefined) {
      return Promise.reject(
        new ConfigError(
          `${store.name} store cannot give units back (it has no refund method); use a store that can, such as memoryStore() or ioredisStore({ client })`,
        ),
      )
    }
    cache?.forget(request.key, request.limits)
    return deadlines
      .run('refund', () => refund(request))
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof SluiceError) throw error
          throw new StoreError(
            `${store.name} store: refund failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          )
        },
      )
  }
  call.charge = (request) => {
    if (deadlines.closed) return Promise.reject(closedError())
    const charge = store.capabilities.charge === true ? store.charge?.bind(store) : undefined
    if (charge === undefined) {
      return Promise.reject(
        new ConfigError(
          `${store.name} store cannot charge units after the fact (capabilities.charge is not true); use a store that can, such as memoryStore() or ioredisStore({ client })`,
        ),
      )
    }
    return deadlines
      .run('charge', () => charge(request))
      .then(
        (reply) => combine(request.limits, checkReply(store.name, request.limits.length, reply)),
        (error: unknown) => {
          if (error instanceof SluiceError) throw error
          throw new StoreError(
            `${store.name} store: charge failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          )
        },
      )
  }
  call.close = async () => {
    await deadlines.close()
    cache?.clear()
  }
  return call
}

/**
 * The decision with `blockedUntil` when the store's decisions carry one (a blocked key): every
 * decision of a blocked request carries the same. Off the hot path unless blocked: one read.
 */
function blocked(decision: Decision, decisions: unknown): Decision {
  const until = (decisions as readonly LimitDecision[])[0]?.blockedUntil
  if (until === undefined) return decision
  return {
    allowed: decision.allowed,
    limit: decision.limit,
    remaining: decision.remaining,
    resetAfterMs: decision.resetAfterMs,
    retryAfterMs: decision.retryAfterMs,
    delayMs: decision.delayMs,
    policy: decision.policy,
    policies: decision.policies,
    blockedUntil: until,
  }
}
