// Refunds on the limiter side: decision.refund() for what one limit() call took, and refunds by key.
import type { Algorithm } from './algorithm.ts'
import { unadmittable } from './callOptions.ts'
import { readClock } from './clock.ts'
import type { Decision } from './decision.ts'
import { InputError } from './errors.ts'
import { monotonicNow } from './resilience/runtime.ts'
import type { RefundRequest } from './store.ts'
import type { StoreCall } from './storeCall.ts'
import { optionsObject, show } from './validate.ts'

/** What `limiter.refund(key, options)` accepts. */
export interface RefundOptions {
  /** Units to give back: a whole number from 1 to the most the limits admit at once. Default 1. */
  readonly cost?: number
}

/** What one consuming call took, kept by its decision's `refund`. */
interface Take {
  /** The limiter key is `start` + `key` (joined only when refunded: takes are many, refunds few). */
  readonly start: string
  readonly key: string
  /** The limits that counted it, in the order of the decision's `policies`. */
  readonly limits: readonly Algorithm[]
  readonly cost: number
  /** The limiter clock's reading for the call, or `undefined` when the store's clock decided. */
  readonly now: number | undefined
}

/** Marks the refunds of one limiter, so it can tell its decisions from another limiter's. */
class Owner {}

/** The refunds of one limiter. */
export interface Refunds {
  /** Gives `decision` its `refund` (not enumerable: decisions compare and serialise as before). */
  attach(decision: Decision, take: Take): Decision
  /** `limiter.refund(decision)`: its own refund; another limiter's decision is an `InputError`. */
  ofDecision(decision: Decision): Promise<boolean>
  /** `limiter.refund(key, { cost })`, once the key is planned: from the current windows. */
  byKey(limiterKey: string, limits: readonly Algorithm[], maxCost: number, options: unknown): Promise<boolean>
}

/**
 * The refunds of the limiter whose store calls go through `call` and whose clock is `clock`.
 *
 * A decision knows when its take counted only to the limiter's clock: with `clock`, its refund
 * names the take's windows exactly; without one (the store's clock), to within the call's round
 * trip plus 1 ms, which names them exactly unless the refund waits in the store for longer than a
 * window minus that round trip (see `RefundRequest.takenResetMs`).
 *
 * @example
 * const refunds = createRefunds(call, undefined)
 * return refunds.attach(decision, { start, key, limits, cost, now })
 */
export function createRefunds(call: StoreCall, clock: (() => number) | undefined): Refunds {
  const owner = new Owner()

  function send(request: RefundRequest): Promise<boolean> {
    return call.refund(request).then(() => true)
  }

  function attach(decision: Decision, take: Take): Decision {
    const receivedAt = clock === undefined ? monotonicNow() : 0
    let spent = false
    const refund = (asker?: unknown): Promise<boolean> => {
      if (asker instanceof Owner && asker !== owner) {
        return Promise.reject(
          new InputError(
            'refund(decision): this decision was made by another limiter; refund it with that limiter (or decision.refund())',
          ),
        )
      }
      // Refused, degraded (the store did not count it) or already given back: nothing to return.
      if (spent || !decision.allowed || decision.degraded !== undefined || take.cost === 0) {
        return Promise.resolve(false)
      }
      spent = true
      let request: RefundRequest
      try {
        const now = clock === undefined ? undefined : readClock(clock)
        const elapsed = now === undefined ? monotonicNow() - receivedAt : now - (take.now as number)
        // Without a clock the take's time is known to the round trip: an upper bound, 1 ms over
        // for the store's whole-millisecond clock.
        const slack = now === undefined ? 1 : 0
        const takenResetMs = decision.policies.map((p) => Math.ceil(p.resetAfterMs - elapsed) + slack)
        request = { key: take.start + take.key, limits: take.limits, cost: take.cost, now, takenResetMs }
      } catch (error) {
        return Promise.reject(error)
      }
      return send(request)
    }
    // A decision made for this call is a fresh object; a shared or frozen one is copied first.
    const own =
      Object.isExtensible(decision) && !Object.hasOwn(decision, 'refund') ? decision : { ...decision }
    Object.defineProperty(own, 'refund', { value: refund })
    return own
  }

  return {
    attach,
    ofDecision(decision) {
      const refund = (decision as { refund?: unknown } | null)?.refund
      if (typeof refund !== 'function') {
        return Promise.reject(
          new InputError(
            `refund(decision): not a decision of limit() (a peek's, or no decision at all): ${show(decision)}`,
          ),
        )
      }
      return (refund as (asker: Owner) => Promise<boolean>)(owner)
    },
    byKey(limiterKey, limits, maxCost, options) {
      let cost: number
      try {
        optionsObject(options ?? {}, 'refund', ['cost'], { points: 'use cost' }, InputError)
        cost = refundCost((options as RefundOptions | undefined)?.cost, limits, maxCost)
      } catch (error) {
        return Promise.reject(error)
      }
      if (limits.length === 0) return Promise.resolve(false)
      const now = clock === undefined ? undefined : readClock(clock)
      return send({ key: limiterKey, limits, cost, now, takenResetMs: undefined })
    },
  }
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
