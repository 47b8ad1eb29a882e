// The one way every limiter decides, plain or made from rules: validate the call → plan it →
// one store call with a deadline (storeCall: deny cache, breaker, store-error mode) → decision.
import { type AccessLists, LISTED_LIMITS, listedDecision } from './access/listed.ts'
import type { Algorithm, LimitDecision } from './algorithm.ts'
import { isCostObject, resolveCost } from './callCost.ts'
import { checkCallOptions, checkMaxDelay } from './callOptions.ts'
import { chargeRequest, checkChargeOptions } from './charges.ts'
import { readClock } from './clock.ts'
import { combine } from './combine.ts'
import type { Decision, PolicyDecision } from './decision.ts'
import { InputError } from './errors.ts'
import { type CallTrace, emitDecision } from './events/decisionEvent.ts'
import type { EventHub } from './events/hub.ts'
import { checkKey } from './keys.ts'
import type { Penalty } from './penalty.ts'
import { createRefunds } from './refunds.ts'
import type { ChargeRequest, StoreRequest } from './store.ts'
import type { KeyedCall, StoreCall } from './storeCall.ts'
import { optionsObject, show } from './validate.ts'

/** What a planner makes of one call's input (a key, a descriptor request): which counters, under which limits. */
export interface Plan {
  /** The limiter key: the limiter's prefix and the caller's key (or, for rules, the domain). */
  readonly limiterKey: string
  /** The limits that decide, in order. Empty (a rules request that matched none): allowed, with no policies. */
  readonly limits: readonly Algorithm[]
  /** The largest cost every limit of `limits` could ever admit (`Infinity` for none). */
  readonly maxCost: number
  /** Limits evaluated alongside, in a store request of their own, that never decide (rules' shadow mode). */
  readonly shadow: readonly Algorithm[] | undefined
  /**
   * Limits that refuse any cost above 0 without a store call (rules' `requests_per_unit: 0`). A
   * call with a cost is denied by them and nothing is counted; a peek (cost 0) asks the store for
   * `limits` and lists these too.
   */
  readonly blocked?: readonly Algorithm[]
  /** Shadow limits of that kind: reported after `shadow`'s, never deciding. */
  readonly shadowBlocked?: readonly Algorithm[]
  /** The policy names of the `unlimited` rules the call matched (rules limiters): see `Decision.unlimited`. */
  readonly unlimited?: readonly string[]
}

/** Turns what a caller passes into a {@link Plan}: the only part in which limiters differ. */
export interface Planner<P extends Plan = Plan> {
  /**
   * Plans one call; bad input is an `InputError` (the pipeline rejects with it, before any store
   * call). `context` is the call's `context` option, given only to a planner that `readsContext`.
   */
  plan(input: unknown, context?: unknown): P
  /** True when the limits depend on the call's `context` option (per-caller limits); else `context` is refused. */
  readonly readsContext?: boolean
  /** True when the limits differ per call (rules): decisions then carry `limits`, and `shadow`. */
  readonly perCall: boolean
  /**
   * Set when this limiter refuses a cost object (`cost: { requests: 1, tokens: 1200 }`): the
   * `InputError` message saying why and what to do instead (rules: which limits a request meets
   * depends on its descriptors, so a name could silently match none).
   */
  readonly refusesCostObjects?: string
  /** Sees the shadow policies of a consuming call (to report those that would have denied). */
  reportShadow?(plan: P, policies: readonly PolicyDecision[]): void
  /** A shadow request failed; the decision is not affected. */
  shadowFailed?(error: unknown): void
  /**
   * Set when every call has the same plan but its key (a plain limiter): the limits, under
   * `start` + `checkKey(input)`. The pipeline then plans such calls itself, without a plan object.
   */
  readonly fixed?: {
    /** The limiter's `keyPrefix`. */
    readonly start: string
    readonly limits: readonly Algorithm[]
    /** The largest cost every limit could ever admit (`tightestCost`). */
    readonly maxCost: number
    /** The limiter's penalty (`blockDuration`), carried by every store request; none when absent. */
    readonly penalty?: Penalty | undefined
  }
}

/** What a plain limiter's calls all share: see `Planner.fixed`. */
type FixedLimits = NonNullable<Planner['fixed']>

/** What a limiter does with its pipeline: its calls, minus construction. */
export interface Pipeline {
  /** `limit()` (consume) or `peek()`. Never throws: bad input is a rejection. */
  decide(input: unknown, options: unknown, consume: boolean): Promise<Decision>
  /** Forgets the counters a call with `input` (and `options.context`) would use (shadow ones included). */
  reset(input: unknown, options?: unknown): Promise<void>
  /**
   * `limiter.refund(decision)`: what that decision took (see `Decision.refund`); or
   * `limiter.refund(input, { cost })`: `cost` units back to the counters a call with `input` uses,
   * from their current windows (shadow ones are not refunded).
   */
  refund(input: unknown, options: unknown): Promise<boolean>
  /** `limiter.release(decision)`: that decision's concurrency leases (see `Decision.release`). */
  release(input: unknown): Promise<boolean>
  /**
   * `limiter.charge(input, { cost })`: `cost` units taken past the limit under the counters a call
   * with `input` uses (shadow ones are not charged); resolves with a cost-1 peek's decision.
   */
  charge(input: unknown, options: unknown): Promise<Decision>
}

const NO_LIMIT: Decision = Object.freeze({
  allowed: true,
  limit: Number.POSITIVE_INFINITY,
  remaining: Number.POSITIVE_INFINITY,
  resetAfterMs: 0,
  retryAfterMs: 0,
  delayMs: 0,
  policy: '',
  policies: Object.freeze([]) as readonly PolicyDecision[],
  limits: Object.freeze([]) as readonly Algorithm[],
})

/**
 * The pipeline of one limiter: `planner` says which counters a call uses, `call` asks the store.
 * Everything a call can get wrong is checked here, in one order for every limiter (the call's
 * options, then the planner's input, cost, clock and `maxDelayMs`), before anything reaches the
 * store. A plain limiter's `lists` (allow, deny) then answer a key they hold without the store.
 *
 * @example
 * const pipeline = createPipeline(planner, storeCall(store, resilience), undefined)
 * const decision = await pipeline.decide('user:42', { cost: 2 }, true)
 */
export function createPipeline<P extends Plan>(
  planner: Planner<P>,
  call: StoreCall,
  clock: (() => number) | undefined,
  events?: EventHub,
  lists?: AccessLists,
): Pipeline {
  const fixed = planner.fixed
  const refunds = createRefunds(call, clock)
  // A plain limiter's decisions are made refundable in the store call's own step (no extra promise).
  const keyed =
    fixed === undefined
      ? undefined
      : call.keyed(
          fixed.start,
          fixed.limits,
          (decision, key, cost, now, costs) =>
            refunds.attach(decision, fixed.start, key, fixed.limits, cost, now, costs),
          fixed.penalty,
        )

  function decide(input: unknown, given: unknown, consume: boolean): Promise<Decision> {
    // A plain limiter: the same checks in the same order, planned in place.
    if (keyed !== undefined) {
      const listened = events?.wants('decision') ? events : undefined
      return decideFixed(fixed as FixedLimits, keyed, input, given, consume, listened)
    }
    let plan: P
    let request: StoreRequest
    try {
      const options = checkCallOptions(given, consume ? 'limit' : 'peek')
      plan = planner.plan(input, contextOf(planner, options))
      checkCostObject(planner, options?.cost)
      const { cost, costs } = resolveCost(options?.cost, plan.limits, plan.maxCost, consume ? 1 : 0)
      request = {
        key: plan.limiterKey,
        limits: plan.limits,
        cost,
        consume,
        now: clock === undefined ? undefined : readClock(clock),
        maxDelayMs: checkMaxDelay(options?.maxDelayMs),
      }
      // Only when the limits' costs differ: the usual request keeps its shape.
      if (costs !== undefined) request = { ...request, costs }
    } catch (error) {
      return Promise.reject(error)
    }
    const listened = events?.wants('decision') === true
    // A per-caller limiter's lists (a rules limiter has none): answered before the store, as for
    // fixed limits, once the call is known to be well formed.
    const listed = lists === undefined ? undefined : listedDecision(lists, input as string)
    if (listed !== undefined) {
      if (listened) {
        const trace: CallTrace = { storeLatencyMs: undefined, cached: false }
        emitDecision(
          events as EventHub,
          input,
          LISTED_LIMITS,
          request,
          listed,
          trace,
          request.now ?? Date.now(),
        )
      }
      return Promise.resolve(listed)
    }
    const trace: CallTrace | undefined = listened ? { storeLatencyMs: undefined, cached: false } : undefined
    const timeMs = listened ? (request.now ?? Date.now()) : 0
    const decided = planner.perCall ? withPlan(plan, request, trace) : call(request, trace)
    // Nobody listens, and a peek: the store call's own promise.
    if (!listened && !consume) return decided
    return decided.then((decision) => {
      // The decision's own limits when it has them: a blocking rule replaces the planned ones.
      const limits = decision.limits ?? plan.limits
      if (listened)
        emitDecision(events as EventHub, input, limits, request, decision, trace as CallTrace, timeMs)
      if (!consume) return decision
      const { cost, now, costs } = request
      return refunds.attach(decision, '', plan.limiterKey, limits, cost, now, costs)
    })
  }

  /**
   * What `decide` does for fixed limits, with nothing allocated but what the store call does: the
   * key stays the caller's (the store call joins it to `start` only if its store needs that).
   * With `listened` (someone wants `decision` events), the call is traced and its event emitted.
   */
  function decideFixed(
    { start, limits, maxCost }: FixedLimits,
    keyedCall: KeyedCall,
    input: unknown,
    given: unknown,
    consume: boolean,
    listened: EventHub | undefined,
  ): Promise<Decision> {
    let key: string
    let cost: number
    let costs: readonly number[] | undefined
    let now: number | undefined
    let maxDelayMs: number | undefined
    try {
      const options = given === undefined ? undefined : checkCallOptions(given, consume ? 'limit' : 'peek')
      if (options?.context !== undefined) contextOf(planner, options)
      key = checkKey(input)
      ;({ cost, costs } = resolveCost(options?.cost, limits, maxCost, consume ? 1 : 0))
      now = clock === undefined ? undefined : readClock(clock)
      maxDelayMs = options === undefined ? undefined : checkMaxDelay(options.maxDelayMs)
    } catch (error) {
      return Promise.reject(error)
    }
    // The lists answer before the store, once the call is known to be well formed.
    const listed = lists === undefined ? undefined : listedDecision(lists, key)
    if (listed !== undefined) {
      if (listened !== undefined) {
        const request: StoreRequest = { key: start + key, limits, cost, costs, consume, now, maxDelayMs }
        const trace: CallTrace = { storeLatencyMs: undefined, cached: false }
        emitDecision(listened, input, LISTED_LIMITS, request, listed, trace, now ?? Date.now())
      }
      return Promise.resolve(listed)
    }
    if (listened === undefined) return keyedCall(key, cost, consume, now, maxDelayMs, undefined, costs)
    const trace: CallTrace = { storeLatencyMs: undefined, cached: false }
    const timeMs = now ?? Date.now()
    return keyedCall(key, cost, consume, now, maxDelayMs, trace, costs).then((decision) => {
      // What the event reads of the call, as `decide`'s request would carry it.
      const request: StoreRequest = { key: start + key, limits, cost, costs, consume, now, maxDelayMs }
      emitDecision(listened, input, decision.limits ?? limits, request, decision, trace, timeMs)
      return decision
    })
  }

  async function withPlan(plan: P, request: StoreRequest, trace: CallTrace | undefined): Promise<Decision> {
    const shadow =
      (plan.shadow === undefined || plan.shadow.length === 0) && plan.shadowBlocked === undefined
        ? undefined
        : runShadow(plan, request)
    const blocked = plan.blocked
    let limits = plan.limits
    let enforced: Decision
    if (blocked === undefined) enforced = limits.length === 0 ? NO_LIMIT : await call(request, trace)
    else if (request.cost > 0) {
      // Refused whatever the store holds: nothing to count, so no store call.
      enforced = combine(blocked, refusals(blocked, request.cost))
      limits = blocked
    } else {
      const stored = limits.length === 0 ? undefined : await call(request, trace)
      limits = limits.concat(blocked)
      const decisions: LimitDecision[] = stored === undefined ? [] : stored.policies.slice()
      for (const d of refusals(blocked, 0)) decisions.push(d)
      enforced = combine(limits, decisions)
      if (stored?.degraded !== undefined) enforced = { ...enforced, degraded: stored.degraded }
    }
    const shadowPolicies = shadow === undefined ? undefined : await shadow
    // Object literals, not spreads: this runs on every request.
    return {
      allowed: enforced.allowed,
      limit: enforced.limit,
      remaining: enforced.remaining,
      resetAfterMs: enforced.resetAfterMs,
      retryAfterMs: enforced.retryAfterMs,
      delayMs: enforced.delayMs,
      policy: enforced.policy,
      policies: enforced.policies,
      limits,
      shadow: shadowPolicies,
      unlimited: plan.unlimited,
      degraded: enforced.degraded,
    }
  }

  /**
   * The shadow limits in a store request of their own, so they never hold up or decide the
   * enforced ones, without a wait bound: a shadow failure is reported, never thrown.
   */
  async function runShadow(plan: P, enforced: StoreRequest): Promise<readonly PolicyDecision[] | undefined> {
    const request: StoreRequest = {
      key: enforced.key,
      limits: plan.shadow ?? [],
      cost: enforced.cost,
      consume: enforced.consume,
      now: enforced.now,
      maxDelayMs: undefined,
    }
    try {
      let policies = request.limits.length === 0 ? [] : (await call(request)).policies
      const blocked = plan.shadowBlocked
      if (blocked !== undefined)
        policies = policies.concat(combine(blocked, refusals(blocked, request.cost)).policies)
      if (request.consume) planner.reportShadow?.(plan, policies)
      return policies
    } catch (error) {
      planner.shadowFailed?.(error)
      return undefined
    }
  }

  return {
    decide,
    refund(input, options) {
      if (typeof input === 'object' && input !== null && 'policies' in input) {
        if (options !== undefined) {
          return Promise.reject(
            new InputError(
              'refund(decision) gives back what that decision took and takes no options; to give back other units, call refund(key, { cost })',
            ),
          )
        }
        return refunds.ofDecision(input as Decision)
      }
      let plan: P
      try {
        plan = planner.plan(input, contextOf(planner, options as { context?: unknown } | undefined))
        checkCostObject(planner, (options as { cost?: unknown } | undefined)?.cost)
      } catch (error) {
        return Promise.reject(error)
      }
      return refunds.byKey(plan.limiterKey, plan.limits, plan.maxCost, options)
    },
    release(input) {
      return refunds.ofDecision(input as Decision, 'release')
    },
    charge(input, options) {
      let plan: P
      let request: ChargeRequest
      try {
        const checked = checkChargeOptions(options)
        plan = planner.plan(input, contextOf(planner, checked))
        if (plan.limits.length === 0) return Promise.resolve(NO_LIMIT)
        request = chargeRequest(clock, plan.limiterKey, plan.limits, checked.cost)
      } catch (error) {
        return Promise.reject(error)
      }
      // A listed key is answered as limit() answers it: no store call, nothing counted.
      const listed = lists === undefined ? undefined : listedDecision(lists, input as string)
      if (listed !== undefined) return Promise.resolve(listed)
      const charged = call.charge(request)
      if (!planner.perCall) return charged
      return charged.then((decision) => ({ ...decision, limits: plan.limits }))
    },
    async reset(input, options) {
      const plan = planner.plan(input, contextOf(planner, checkResetOptions(options)))
      const limits = plan.shadow === undefined ? plan.limits : plan.limits.concat(plan.shadow)
      if (limits.length > 0) await call.reset(plan.limiterKey, limits)
    },
  }
}

/**
 * A call's `context` option, for a planner that reads it; an `InputError` for one that does not, so
 * a context meant to pick a plan never goes silently unused.
 */
function contextOf(planner: Planner, options: { readonly context?: unknown } | undefined): unknown {
  const context = typeof options === 'object' && options !== null ? options.context : undefined
  if (context !== undefined && planner.readsContext !== true) {
    throw new InputError(
      "context picks the limits of a limiter whose algorithm is a function, algorithm: ({ key, context }) => limits; this limiter's limits do not depend on it, so leave context out",
    )
  }
  return context
}

/** A cost object, for a planner that refuses them (rules): an `InputError` saying why. */
function checkCostObject(planner: Planner, cost: unknown): void {
  if (planner.refusesCostObjects !== undefined && isCostObject(cost)) {
    throw new InputError(planner.refusesCostObjects)
  }
}

/** `reset(key, options)`: absent, or `{ context }`. */
function checkResetOptions(options: unknown): { readonly context?: unknown } | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(
      `reset(key, options): options must be an object such as { context }, got ${show(options)}`,
    )
  }
  return optionsObject(options as { context?: unknown }, 'reset', ['context'], {}, InputError)
}

/** What limits that refuse every cost above 0 say to `cost`, each on its own (they keep no state). */
function refusals(blocked: readonly Algorithm[], cost: number): LimitDecision[] {
  return blocked.map((a) => a.step(undefined, 0, cost).decision)
}
