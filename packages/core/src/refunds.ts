// Refunds on the limiter side: decision.refund() for what one limit() call took, and refunds by key.
import type { Algorithm } from './algorithm.ts'
import { isCostObject, resolveCostObject } from './callCost.ts'
import { unadmittable } from './callOptions.ts'
import { sendCharge } from './charges.ts'
import { readClock } from './clock.ts'
import { largestCost } from './costs.ts'
import type { Decision, PolicyDecision } from './decision.ts'
import { InputError } from './errors.ts'
import { monotonicNow } from './resilience/runtime.ts'
import type { RefundRequest } from './store.ts'
import type { StoreCall } from './storeCall.ts'
import { optionsObject, show } from './validate.ts'

/** What `limiter.refund(key, options)` accepts. */
export interface RefundOptions {
  /**
   * Units to give back: a whole number from 1 to the most the limits admit at once, or units per
   * limit by name (`{ tokens: 800 }`: limits not named are left alone). Default 1.
   */
  readonly cost?: number | Readonly<Record<string, number>>
  /** For per-caller limits: the `context` that picks the limits to refund (as `limit(key, { context })`). */
  readonly context?: unknown
}

/** Marks the refunds of one limiter, so it can tell its decisions from another limiter's. */
class Owner {}

/** What every decision of one limiter shares for its refund. */
interface Limiter {
  readonly owner: Owner
  readonly clock: (() => number) | undefined
  send(request: RefundRequest): Promise<boolean>
  /** `decision.charge(cost)`: a charge of `cost` under `limits` of the limiter key (see charges.ts). */
  charge(limiterKey: string, limits: readonly Algorithm[], cost: unknown): Promise<Decision>
}

/**
 * A decision of `limit()`: its fields, copied, and `refund` on the prototype (a getter), so it is
 * not an own property: decisions compare, spread and serialise as before. A class instance, not
 * `Object.defineProperty` on the store's object: that would cost more than the call itself.
 */
class Taken implements Decision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  readonly resetAfterMs: number
  readonly retryAfterMs: number
  readonly delayMs: number
  readonly policy: string
  readonly policies: Decision['policies']
  declare readonly shadow?: Decision['shadow']
  declare readonly limits?: Decision['limits']
  declare readonly unlimited?: Decision['unlimited']
  declare readonly degraded?: Decision['degraded']
  declare readonly blockedUntil?: Decision['blockedUntil']
  // What the call took, kept in the decision itself (no second object per call): the limiter key
  // is #start + #key (joined only when refunded: takes are many, refunds few), #limits in the
  // order of `policies`, #now the limiter clock's reading (undefined: the store's clock decided).
  readonly #start: string
  readonly #key: string
  readonly #limits: readonly Algorithm[]
  readonly #cost: number
  /** Units per limit, in the order of `#limits`, when the call's costs differed (else `#cost` for each). */
  readonly #costs: readonly number[] | undefined
  readonly #now: number | undefined
  readonly #limiter: Limiter
  /** Monotonic time the decision arrived (without a clock: the take's time is known to the round trip). */
  readonly #receivedAt: number
  #spent = false
  /** The concurrency leases were given back (by a release or a refund), or there are none. */
  #released = false

  constructor(
    d: Decision,
    start: string,
    key: string,
    limits: readonly Algorithm[],
    cost: number,
    now: number | undefined,
    limiter: Limiter,
    costs: readonly number[] | undefined,
  ) {
    this.allowed = d.allowed
    this.limit = d.limit
    this.remaining = d.remaining
    this.resetAfterMs = d.resetAfterMs
    this.retryAfterMs = d.retryAfterMs
    this.delayMs = d.delayMs
    this.policy = d.policy
    this.policies = d.policies
    // Optional fields only when present, as the store's decision had them.
    const self = this as { -readonly [K in keyof Decision]: Decision[K] }
    if (d.shadow !== undefined || 'shadow' in d) self.shadow = d.shadow
    if (d.limits !== undefined || 'limits' in d) self.limits = d.limits
    if (d.unlimited !== undefined || 'unlimited' in d) self.unlimited = d.unlimited
    if (d.degraded !== undefined || 'degraded' in d) self.degraded = d.degraded
    if (d.blockedUntil !== undefined) self.blockedUntil = d.blockedUntil
    this.#start = start
    this.#key = key
    this.#limits = limits
    this.#cost = cost
    this.#costs = costs
    this.#now = now
    this.#limiter = limiter
    this.#receivedAt = limiter.clock === undefined ? monotonicNow() : 0
  }

  /** `decision.refund()`; with another limiter's `Owner` (from `limiter.refund`), an `InputError`. */
  get refund(): (asker?: unknown) => Promise<boolean> {
    return (asker?: unknown) => this.#giveBack(asker, 'refund')
  }

  /**
   * `decision.charge(cost)`: `cost` more units under this call's key and limits, whatever its
   * outcome (a degraded decision too: the store may be back). Every time it is called.
   */
  get charge(): (cost: unknown) => Promise<Decision> {
    return (cost: unknown) => this.#limiter.charge(this.#start + this.#key, this.#limits, cost)
  }

  /** `decision.release()`: the concurrency leases only; with another limiter's `Owner`, an `InputError`. */
  get release(): (asker?: unknown) => Promise<boolean> {
    return (asker?: unknown) => this.#giveBack(asker, 'release')
  }

  /**
   * A refund gives back what every limit took (the leases too); a release only the leases of the
   * concurrency limits. Each happens once: a release after a refund, or a refund's leases after a
   * release, have nothing left to give.
   */
  #giveBack(asker: unknown, what: 'refund' | 'release'): Promise<boolean> {
    if (asker instanceof Owner && asker !== this.#limiter.owner) {
      return Promise.reject(
        new InputError(
          `${what}(decision): this decision was made by another limiter; ${what} it with that limiter (or decision.${what}())`,
        ),
      )
    }
    // Refused, degraded (the store did not count it) or already given back: nothing to return.
    if (this.#spent || !this.allowed || this.degraded !== undefined || this.#cost === 0) {
      return Promise.resolve(false)
    }
    // Which limits, by index in `policies`: the leases not yet released, and for a refund the rest.
    // A limit that took nothing (0 of per-limit costs) has nothing to give back.
    const costs = this.#costs
    const chosen: number[] = []
    this.#limits.forEach((limit, i) => {
      if (costs !== undefined && costs[i] === 0) return
      if (limit.kind === 'concurrency' ? !this.#released : what === 'refund') chosen.push(i)
    })
    if (what === 'refund') this.#spent = true
    this.#released = true
    if (chosen.length === 0) return Promise.resolve(false)
    let request: RefundRequest
    try {
      const clock = this.#limiter.clock
      const now = clock === undefined ? undefined : readClock(clock)
      const elapsed = now === undefined ? monotonicNow() - this.#receivedAt : now - (this.#now as number)
      // Without a clock the take's time is known to the round trip: an upper bound, 1 ms over for
      // the store's whole-millisecond clock.
      const slack = now === undefined ? 1 : 0
      const all = chosen.length === this.#limits.length
      const limits = all ? this.#limits : chosen.map((i) => this.#limits[i] as Algorithm)
      const takenResetMs = chosen.map(
        (i) => Math.ceil((this.policies[i] as PolicyDecision).resetAfterMs - elapsed) + slack,
      )
      request = { key: this.#start + this.#key, limits, cost: this.#cost, now, takenResetMs }
      if (costs !== undefined)
        request = withCosts(
          request,
          chosen.map((i) => costs[i] as number),
        )
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#limiter.send(request)
  }
}

/** The refunds of one limiter. */
export interface Refunds {
  /** Gives `decision` its `refund` (not enumerable: decisions compare and serialise as before). */
  attach(
    decision: Decision,
    start: string,
    key: string,
    limits: readonly Algorithm[],
    cost: number,
    now: number | undefined,
    costs?: readonly number[],
  ): Decision
  /**
   * `limiter.refund(decision)` (or with `'release'`, `limiter.release(decision)`): its own refund or
   * release; another limiter's decision is an `InputError`.
   */
  ofDecision(decision: Decision, what?: 'refund' | 'release'): Promise<boolean>
  /** `limiter.refund(key, { cost })`, once the key is planned: from the current windows. */
  byKey(limiterKey: string, limits: readonly Algorithm[], maxCost: number, options: unknown): Promise<boolean>
}

/**
 * The refunds of the limiter whose store calls go through `call` and whose clock is `clock`.
 *
 * A decision knows when its take counted only to the limiter's clock: with `clock`, its refund
 * names the take's windows exactly, and so does a decision of an in-process store (timed by the
 * `Date.now()` the limiter gave it); without one (a network store's clock), to within the call's
 * round trip plus 1 ms, which names them exactly unless the refund waits in the store for longer
 * than a window minus that round trip (see `RefundRequest.takenResetMs`).
 *
 * @example
 * const refunds = createRefunds(call, undefined)
 * return refunds.attach(decision, start, key, limits, cost, now)
 */
export function createRefunds(call: StoreCall, clock: (() => number) | undefined): Refunds {
  const owner = new Owner()
  const limiter: Limiter = {
    owner,
    clock,
    send: (request) => call.refund(request).then(() => true),
    charge: (limiterKey, limits, cost) => sendCharge(call, clock, limiterKey, limits, cost),
  }

  // A take timed by `Date.now()` without a limiter clock (an in-process store's): its refund times
  // itself by the same clock, as that store would (read per call: fake timers replace `Date`).
  const inProcess: Limiter = { ...limiter, clock: () => Date.now() }

  function attach(
    decision: Decision,
    start: string,
    key: string,
    limits: readonly Algorithm[],
    cost: number,
    now: number | undefined,
    costs?: readonly number[],
  ): Decision {
    const timedBy = now !== undefined && clock === undefined ? inProcess : limiter
    return new Taken(decision, start, key, limits, cost, now, timedBy, costs)
  }

  return {
    attach,
    ofDecision(decision, what = 'refund') {
      const giveBack = (decision as { refund?: unknown; release?: unknown } | null)?.[what]
      if (typeof giveBack !== 'function') {
        return Promise.reject(
          new InputError(
            `${what}(decision): not a decision of limit() (a peek's, or no decision at all): ${show(decision)}`,
          ),
        )
      }
      return (giveBack as (asker: Owner) => Promise<boolean>)(owner)
    },
    byKey(limiterKey, limits, maxCost, options) {
      let request: RefundRequest
      try {
        optionsObject(options ?? {}, 'refund', ['cost', 'context'], { points: 'use cost' }, InputError)
        const asked = (options as RefundOptions | undefined)?.cost
        const now = clock === undefined ? undefined : readClock(clock)
        if (isCostObject(asked)) {
          const { cost, costs } = resolveCostObject(asked, limits, 'refund: cost')
          if (cost < 1) {
            throw new InputError(
              `refund: cost ${JSON.stringify(asked)} gives nothing back; name at least one limit with 1 unit or more, such as { ${limits[0]?.name ?? 'requests'}: 1 }`,
            )
          }
          request = { key: limiterKey, limits, cost, now, takenResetMs: undefined }
          if (costs !== undefined) request = withCosts(request, costs)
        } else {
          const cost = refundCost(asked, limits, maxCost)
          request = { key: limiterKey, limits, cost, now, takenResetMs: undefined }
        }
      } catch (error) {
        return Promise.reject(error)
      }
      if (limits.length === 0) return Promise.resolve(false)
      return limiter.send(request)
    },
  }
}

/**
 * `request` giving back `costs` per limit: plain `cost` when they are all equal (the stores' usual
 * path), else `costs` with `cost` their largest.
 */
function withCosts(request: RefundRequest, costs: readonly number[]): RefundRequest {
  const first = costs[0] ?? 0
  if (costs.every((c) => c === first)) return { ...request, cost: first }
  return { ...request, cost: largestCost(costs), costs }
}

/** A refund's `cost`: a whole number from 1 to what the limits admit at once (default 1). */
function refundCost(cost: unknown, limits: readonly Algorithm[], maxCost: number): number {
  if (cost === undefined) return 1
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 1) {
    throw new InputError(`refund: cost must be a whole number of units, at least 1, got ${show(cost)}`)
  }
  if (unadmittable(cost, limits, maxCost) !== undefined) {
    throw new InputError(
      `refund: cost ${cost} is more than was ever taken at once: these limits admit at most ${maxCost}; give back at most that`,
    )
  }
  return cost
}
