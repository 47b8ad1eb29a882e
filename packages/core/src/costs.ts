// Several costs in one call: `cost: { requests: 1, tokens: 1200 }` names each limit's units.
import type { Algorithm } from './algorithm.ts'
import { unadmittable } from './callOptions.ts'
import { InputError } from './errors.ts'
import { didYouMean } from './suggest.ts'
import { show } from './validate.ts'

/**
 * What a call takes: one number of units under every limit, or units per limit, by the limit's
 * `name` (or its `id`): `{ requests: 1, tokens: 1200 }`. A limit the object does not name takes 0
 * (it is read, and admits unless its balance is below zero after a `charge`).
 *
 * @example
 * const limiter = createRateLimiter({
 *   store,
 *   algorithm: [
 *     fixedWindow({ name: 'requests', limit: 60, window: '1m' }),
 *     tokenBucket({ name: 'tokens', capacity: 90_000, refillRate: 1500 }),
 *   ],
 * })
 * await limiter.limit('org:7', { cost: { requests: 1, tokens: 1200 } })
 */
export type Cost = number | Readonly<Record<string, number>>

/**
 * Units per limit for a cost object, in the order of `limits`; an `InputError` for a name that is
 * no limit's (did you mean), a name two limits share, a value that is no non-negative integer, or
 * a value its limit can never admit (or, with `bound`, one `bound` names a problem with: a
 * charge's). `what` names the option in messages (`'cost'`).
 *
 * @example perLimitCosts({ tokens: 1200 }, [requests, tokens], 'cost') // [0, 1200]
 */
export function perLimitCosts(
  cost: Readonly<Record<string, number>>,
  limits: readonly Algorithm[],
  what = 'cost',
  bound?: (units: number, limit: Algorithm) => string | undefined,
): number[] {
  const costs = limits.map(() => 0)
  for (const name of Object.keys(cost)) {
    const units = cost[name]
    if (units === undefined) continue
    const index = limitIndex(name, limits, what)
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 0) {
      throw new InputError(`${what}.${name} must be a non-negative integer, got ${show(units)}`)
    }
    // `bound`: a charge's own bound instead of "can ever be admitted" (a charge may exceed it).
    const problem =
      bound === undefined
        ? unadmittable(units, [limits[index] as Algorithm])
        : bound(units, limits[index] as Algorithm)
    if (problem !== undefined) throw new InputError(`${what}.${name}: ${problem}`)
    costs[index] = units
  }
  return costs
}

/** The one limit `name` picks: by `name` first, else by `id`. */
function limitIndex(name: string, limits: readonly Algorithm[], what: string): number {
  let found = -1
  for (let i = 0; i < limits.length; i++) {
    if ((limits[i] as Algorithm).name !== name) continue
    if (found >= 0) {
      throw new InputError(
        `${what}: two limits are named ${JSON.stringify(name)}; give each limit its own name ({ name: 'requests' }) to cost them apart`,
      )
    }
    found = i
  }
  if (found < 0) found = limits.findIndex((a) => a.id === name)
  if (found >= 0) return found
  const names = limits.map((a) => a.name)
  throw new InputError(`${what}: no limit is named ${JSON.stringify(name)}${didYouMean(name, names)}`)
}

/**
 * The number a store request carries beside per-limit costs: the largest of them (so "a call with
 * a cost" still means cost > 0, as penalties and refunds read it).
 */
export function largestCost(costs: readonly number[]): number {
  let most = 0
  for (const c of costs) if (c > most) most = c
  return most
}
