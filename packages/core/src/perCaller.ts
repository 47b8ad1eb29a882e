// Limits per caller: `algorithm: (caller) => …` picks each call's limits (plan, tier, API key)
// without one limiter per tier. The limits are part of each counter's id, so a caller whose plan
// changes counts under the new plan's limits from then on.
import type { Algorithm } from './algorithm.ts'
import { tightestCost } from './callOptions.ts'
import { ConfigError } from './errors.ts'
import { checkKey } from './keys.ts'
import { checkAlgorithms } from './limiterChecks.ts'
import type { Plan, Planner } from './pipeline.ts'
import type { Store } from './store.ts'
import { show } from './validate.ts'

/** What a per-caller `algorithm` function is asked about: the call's key and its `context` option. */
export interface Caller<C = unknown> {
  /** The key of the call, as given to `limit(key)` (without the limiter's prefix). */
  readonly key: string
  /** The call's `context` option (`limit(key, { context })`), or `undefined` when it has none. */
  readonly context: C | undefined
}

/**
 * Picks the limits of one call: one limit, or several checked together (as a fixed `algorithm`
 * list). Called on every call, synchronously: return limits made once (a table of plans), not new
 * ones per call. Fetch what it needs (the caller's plan) before calling `limit`, and pass it as
 * `context`.
 */
// biome-ignore lint/suspicious/noExplicitAny: the caller's context is the user's own type
export type LimitsPerCaller<C = any> = (caller: Caller<C>) => Algorithm | readonly Algorithm[]

/** Limits checked once per value the function returned (a table's entries: a handful). */
interface Checked {
  readonly limits: readonly Algorithm[]
  readonly maxCost: number
}

/**
 * The planner of a limiter whose `algorithm` is a function: each call's limits are what it returns
 * for the call's key and `context`, checked as `createRateLimiter` checks a fixed `algorithm` (a
 * `ConfigError` rejects the call) the first time that value is seen; the check is remembered per
 * returned object, so a table of plans is checked once per plan.
 *
 * @example
 * const planner = perCallerPlanner(({ context }) => PLANS[context ?? 'free'], 'sluice:', store)
 * planner.plan('user:42', { context: 'pro' }).limits // PLANS.pro, as a list
 */
export function perCallerPlanner(pick: LimitsPerCaller, start: string, store: Store): Planner {
  const checked = new WeakMap<object, Checked>()
  function limitsOf(value: unknown): Checked {
    const known = typeof value === 'object' && value !== null ? checked.get(value) : undefined
    if (known !== undefined) return known
    if (typeof (value as { then?: unknown } | null)?.then === 'function') {
      throw new ConfigError(
        'createRateLimiter: algorithm(caller) returned a promise; it must return limits at once: look up what decides them (the caller’s plan) before limit() and pass it as limit(key, { context })',
      )
    }
    let limits: readonly Algorithm[]
    try {
      limits = checkAlgorithms(value, store)
    } catch (error) {
      // The same class (ConfigError, UnsupportedAlgorithmError), saying where the limits came from.
      const Class = error instanceof ConfigError ? (error.constructor as typeof ConfigError) : ConfigError
      const message = error instanceof Error ? error.message.replace(/^createRateLimiter: /, '') : show(error)
      throw new Class(`createRateLimiter: algorithm(caller) returned limits it cannot use: ${message}`)
    }
    const entry = { limits, maxCost: tightestCost(limits) }
    if (typeof value === 'object' && value !== null) checked.set(value, entry)
    return entry
  }
  return {
    perCall: true,
    readsContext: true,
    plan(input: unknown, context?: unknown): Plan {
      const key = checkKey(input)
      const { limits, maxCost } = limitsOf(pick({ key, context }))
      return { limiterKey: start + key, limits, maxCost, shadow: undefined }
    },
  }
}
