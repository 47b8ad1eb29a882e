// A call's `cost` (a number, or units per limit by name) resolved against its limits for the store.
import type { Algorithm } from './algorithm.ts'
import { checkCost } from './callOptions.ts'
import { largestCost, perLimitCosts } from './costs.ts'

/** What a store request carries of a call's cost: see `StoreRequest.cost` and `StoreRequest.costs`. */
interface ResolvedCost {
  /** Units under every limit; with `costs`, the largest of them. */
  readonly cost: number
  /** Units per limit, in the order of the limits, only when they differ; else `undefined`. */
  readonly costs: readonly number[] | undefined
}

/**
 * Whether `cost` names units per limit (`{ requests: 1, tokens: 1200 }`) rather than one number.
 * @example isCostObject({ tokens: 5 }) // true
 */
export function isCostObject(cost: unknown): cost is Readonly<Record<string, number>> {
  return typeof cost === 'object' && cost !== null && !Array.isArray(cost)
}

/**
 * A cost object resolved against `limits` (`perLimitCosts`: an `InputError` for an unknown or shared
 * name, a bad or unadmittable value). When every limit takes the same units, the plain number (no
 * `costs`: the stores' fast paths); else `costs`, with `cost` their largest (`largestCost`).
 *
 * @example resolveCostObject({ requests: 1, tokens: 1200 }, [requests, tokens]) // { cost: 1200, costs: [1, 1200] }
 */
export function resolveCostObject(
  cost: Readonly<Record<string, number>>,
  limits: readonly Algorithm[],
  what = 'cost',
): ResolvedCost {
  const costs = perLimitCosts(cost, limits, what)
  const first = costs[0] ?? 0
  for (let i = 1; i < costs.length; i++) {
    if (costs[i] !== first) return { cost: largestCost(costs), costs }
  }
  return { cost: first, costs: undefined }
}

/**
 * A call's cost (`limit`, `peek`, `wait`): a number is checked as `checkCost` does, an object as
 * `resolveCostObject`; absent, `fallback` (1 for `limit`, 0 for `peek`).
 *
 * @example resolveCost({ tokens: 1200 }, [requests, tokens], Infinity, 1) // { cost: 1200, costs: [0, 1200] }
 */
export function resolveCost(
  asked: unknown,
  limits: readonly Algorithm[],
  maxCost: number,
  fallback: number,
): ResolvedCost {
  if (asked === undefined) return { cost: fallback, costs: undefined }
  if (isCostObject(asked)) return resolveCostObject(asked, limits)
  return { cost: checkCost(asked, limits, maxCost), costs: undefined }
}
