// Checks the arguments of `limit()` and `peek()` before anything reaches the store.
import type { Algorithm } from './algorithm.ts'
import { type Duration, parseDuration } from './duration.ts'
import { InputError } from './errors.ts'
import { optionsObject, show } from './validate.ts'

export interface CallOptions {
  /**
   * Units this request takes: a non-negative integer (default 1 for `limit`, 0 for `peek`), or
   * units per limit by the limit's `name` or id (`{ requests: 1, tokens: 1200 }`, see `Cost`).
   */
  readonly cost?: number | Readonly<Record<string, number>>
  /**
   * Shaping (leaky bucket): the longest `delayMs` this caller will wait, as a duration (`250`,
   * `'2s'`, 0 never waits, `Infinity` no bound). A request that would wait longer is denied
   * instead, taking nothing, with `retryAfterMs` the extra wait. Default: no bound.
   */
  readonly maxDelayMs?: Duration
  /**
   * What picks this call's limits, for a limiter whose `algorithm` is a function
   * (`algorithm: ({ key, context }) => PLANS[context]`): the caller's plan, tier or account. Any
   * other limiter refuses it (`InputError`).
   */
  readonly context?: unknown
}

const CALL_OPTIONS = ['cost', 'maxDelayMs', 'context']

/** Names other rate limiters give the units a request takes. */
const FOREIGN_CALL_OPTIONS: Record<string, string> = {
  weight: 'the units a request takes are its cost: { cost: n }',
  points: 'the units a request takes are its cost: { cost: n }',
  tokens: 'the units a request takes are its cost: { cost: n }',
  rate: 'the units a request takes are its cost: { cost: n }',
}

/**
 * The options argument of `limit(key, options)` or `peek(key, options)`: absent, or an object
 * with only `cost`, `maxDelayMs` and `context`. An `InputError` otherwise: `limit('k', 5)` says to pass
 * `{ cost: 5 }`, and a misspelt option says "did you mean".
 *
 * @example checkCallOptions({ cost: 2 }, 'limit') // { cost: 2 }
 */
export function checkCallOptions(options: unknown, method: string): CallOptions | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const cost = typeof options === 'number' && Number.isInteger(options) && options >= 0 ? options : 'n'
    throw new InputError(
      `${method}(key, options): options must be an object, got ${show(options)}; to take ${cost} units, pass { cost: ${cost} }`,
    )
  }
  return optionsObject(options as CallOptions, method, CALL_OPTIONS, FOREIGN_CALL_OPTIONS, InputError)
}

/**
 * A call's `maxDelayMs`: the one duration rule (`parseDuration`), 0 allowed, `Infinity` meaning no
 * bound (returned as `undefined`), as an `InputError`.
 * @example checkMaxDelay('2s') // 2000
 */
export function checkMaxDelay(maxDelayMs: unknown): number | undefined {
  if (maxDelayMs === undefined) return undefined
  const ms = parseDuration(maxDelayMs, 'maxDelayMs', { zero: true, infinite: true, error: InputError })
  return ms === Number.POSITIVE_INFINITY ? undefined : ms
}

/** The largest cost every limit of `limits` could ever admit (`Infinity` for none): a loop, as the list may be long. */
export function tightestCost(limits: readonly Algorithm[]): number {
  let least = Number.POSITIVE_INFINITY
  for (const a of limits) if (a.maxCost < least) least = a.maxCost
  return least
}

/**
 * Why `cost` can never be admitted by `limits` (whose tightest `maxCost` is `maxCost`), or
 * `undefined` when every limit could admit it: the one cost rule of calls and bindings alike.
 * @example unadmittable(6, [fixedWindow({ limit: 5, window: '1m' })]) // 'cost 6 can never be admitted: …'
 */
export function unadmittable(
  cost: number,
  limits: readonly Algorithm[],
  maxCost = tightestCost(limits),
): string | undefined {
  if (cost <= maxCost) return undefined
  const tightest = limits.find((a) => a.maxCost === maxCost) as Algorithm
  return `cost ${cost} can never be admitted: ${tightest.name} admits at most ${maxCost} at once; lower the cost or raise the limit`
}

/**
 * A call's `cost`: a non-negative integer that the tightest of `limits` (whose `maxCost` is
 * `maxCost`) could ever admit; an `InputError` otherwise, rather than a denial that never clears.
 */
export function checkCost(cost: unknown, limits: readonly Algorithm[], maxCost: number): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0) {
    throw new InputError(`cost must be a non-negative integer, got ${show(cost)}`)
  }
  const problem = unadmittable(cost, limits, maxCost)
  if (problem !== undefined) throw new InputError(problem)
  return cost
}
