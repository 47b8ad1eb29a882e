// Charges on the limiter side: limiter.charge(key, { cost }) and decision.charge(cost), units taken after the fact.
import type { Algorithm } from './algorithm.ts'
import { chargeBound } from './algorithms/charge.ts'
import { readClock } from './clock.ts'
import { type Cost, largestCost, perLimitCosts } from './costs.ts'
import type { Decision } from './decision.ts'
import { InputError } from './errors.ts'
import type { ChargeRequest } from './store.ts'
import type { StoreCall } from './storeCall.ts'
import { optionsObject, show } from './validate.ts'

/** What `limiter.charge(key, options)` accepts. */
export interface ChargeOptions {
  /**
   * Units to take: a whole number ≥ 1 under every limit, or units per limit by name
   * (`{ tokens: 800 }`, see `Cost`; a limit it does not name is left alone). May exceed what a
   * limit admits at once: a charge is never denied.
   */
  readonly cost: Cost
  /** For per-caller limits: the `context` that picks the limits to charge (as `limit(key, { context })`). */
  readonly context?: unknown
}

/** A charge's units, resolved: `cost` the largest, `costs` per limit when they differ. */
interface ChargeUnits {
  readonly cost: number
  readonly costs: readonly number[] | undefined
}

/**
 * A charge's `cost` for `limits`: a whole number from 1 to the largest every limit holds exactly
 * (`chargeBound`), or a cost object whose entries each are (at least one ≥ 1); an `InputError`
 * otherwise, with the largest allowed value in its message.
 *
 * @example chargeUnits({ tokens: 800 }, [requests, tokens]) // { cost: 800, costs: [0, 800] }
 */
function chargeUnits(cost: unknown, limits: readonly Algorithm[]): ChargeUnits {
  if (typeof cost === 'object' && cost !== null && !Array.isArray(cost)) {
    const costs = perLimitCosts(cost as Readonly<Record<string, number>>, limits, 'charge: cost', tooMuch)
    const most = largestCost(costs)
    if (most < 1) {
      throw new InputError(
        `charge: cost must take at least 1 unit under some limit, got ${show(cost)}; name a limit with a whole number ≥ 1 ({ tokens: 800 })`,
      )
    }
    return { cost: most, costs }
  }
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 1) {
    throw new InputError(
      `charge: cost must be a whole number of units ≥ 1, or units per limit ({ tokens: 800 }), got ${show(cost)}`,
    )
  }
  for (const limit of limits) {
    const problem = tooMuch(cost, limit)
    if (problem !== undefined) throw new InputError(`charge: cost ${problem}`)
  }
  return { cost, costs: undefined }
}

/** Why `units` is more than one charge may take under `limit` (see `chargeBound`), or `undefined`. */
function tooMuch(units: number, limit: Algorithm): string | undefined {
  const most = chargeBound(limit)
  if (units <= most) return undefined
  return `${units} is more than ${limit.name} can hold exactly: charge at most ${most} at once`
}

/**
 * The store request of one charge of `cost` under `limits` of `limiterKey`, read on `clock`; an
 * `InputError` for a bad cost (see `chargeUnits`).
 *
 * @example const request = chargeRequest(clock, plan.limiterKey, plan.limits, 800)
 */
export function chargeRequest(
  clock: (() => number) | undefined,
  limiterKey: string,
  limits: readonly Algorithm[],
  cost: unknown,
): ChargeRequest {
  const units = chargeUnits(cost, limits)
  const now = clock === undefined ? undefined : readClock(clock)
  return { key: limiterKey, limits, cost: units.cost, costs: units.costs, now }
}

/**
 * Sends one charge of `cost` under `limits` of `limiterKey` and answers the store's decision (what
 * a peek of cost 1 says right after it). Bad input rejects with an `InputError` before the store.
 *
 * @example
 * return sendCharge(call, clock, limiterKey, limits, cost)
 */
export function sendCharge(
  call: StoreCall,
  clock: (() => number) | undefined,
  limiterKey: string,
  limits: readonly Algorithm[],
  cost: unknown,
): Promise<Decision> {
  let request: ChargeRequest
  try {
    request = chargeRequest(clock, limiterKey, limits, cost)
  } catch (error) {
    return Promise.reject(error)
  }
  return call.charge(request)
}

/**
 * `limiter.charge(key, options)`'s options: an object with `cost` (required) and `context`; an
 * `InputError` naming what is wrong otherwise.
 *
 * @example const { cost } = checkChargeOptions({ cost: 800 })
 */
export function checkChargeOptions(options: unknown): ChargeOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(
      `charge(key, options): options must be an object such as { cost: 800 } or { cost: { tokens: 800 } }, got ${show(options)}`,
    )
  }
  const checked = optionsObject(
    options as ChargeOptions,
    'charge',
    ['cost', 'context'],
    { points: 'use cost' },
    InputError,
  )
  if (checked.cost === undefined) {
    throw new InputError('charge(key, options): cost is required: the units to take, such as { cost: 800 }')
  }
  return checked
}
