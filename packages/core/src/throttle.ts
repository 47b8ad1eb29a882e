// throttle(fn, limiter, options): a function that waits for the limiter's admission before each call of fn.
import { isCostObject } from './callCost.ts'
import type { Cost } from './costs.ts'
import type { Decision } from './decision.ts'
import type { Duration } from './duration.ts'
import { ConfigError, InputError } from './errors.ts'
import { checkKey } from './keys.ts'
import type { AbortSignalLike } from './resilience/runtime.ts'
import { optionsObject, show } from './validate.ts'
import { checkMaxWait, checkSignal, FOREIGN_WAIT_OPTIONS, type WaitOptions } from './wait.ts'

/**
 * What `throttle` needs of a limiter: `wait`. Every limiter of `createRateLimiter` has it: a plain
 * one waits on a string key, a rules limiter on a descriptor request.
 */
export interface Waiter<K> {
  wait(input: K, options: WaitOptions): Promise<Decision>
}

/** The options of `throttle(fn, limiter, options)`. */
export interface ThrottleOptions<K, A extends readonly unknown[]> {
  /**
   * What every call counts under: a key (a descriptor request for a rules limiter), or a function
   * of the call's arguments that returns one (`(url) => new URL(url).host`).
   */
  readonly key: K | ((...args: A) => K)
  /** The longest a call waits for admission, as in `wait` (required; 0 to `MAX_TIMER_MS`). */
  readonly maxWaitMs: Duration
  /** Aborts every waiting call (each rejects with its reason): on shutdown, say. */
  readonly signal?: AbortSignalLike
  /**
   * Units each call takes (default 1; a number, or units per limit by name as for `limit`), or a
   * function of the call's arguments that says.
   */
  readonly cost?: Cost | ((...args: A) => Cost)
}

const THROTTLE_OPTIONS = ['key', 'maxWaitMs', 'signal', 'cost']

/**
 * Wraps `fn` so that every call first waits (`limiter.wait`) until the limiter admits it, then
 * calls `fn` with the same arguments and `this`. A call that would wait longer than `maxWaitMs`
 * rejects with a `WaitTimeoutError` without calling `fn`; an abort rejects with the signal's
 * reason. On a shared store (Redis, Upstash) every process that throttles with the same limiter
 * settings and key shares one quota: the way to stay under a third-party API's own limit. Options
 * are checked here (`ConfigError`); a key or cost from a function is checked per call (`InputError`).
 *
 * @example
 * const limiter = createRateLimiter({
 *   store: memoryStore(),
 *   algorithm: gcra({ rate: 10, period: '1s' }), // the API allows 10 requests a second
 *   prefix: 'github-api',
 * })
 * const getRepo = throttle((name: string) => fetch(`https://api.github.com/repos/${name}`), limiter, {
 *   key: 'all-calls',
 *   maxWaitMs: '30s',
 * })
 * const response = await getRepo('nodejs/node') // waits its turn, then fetches
 */
export function throttle<A extends unknown[], R, K>(
  fn: (...args: A) => R,
  limiter: Waiter<K>,
  options: ThrottleOptions<K, A>,
): (...args: A) => Promise<Awaited<R>> {
  if (typeof fn !== 'function') throw new ConfigError(`throttle: fn must be a function, got ${show(fn)}`)
  if (typeof (limiter as Partial<Waiter<K>> | null)?.wait !== 'function') {
    throw new ConfigError(`throttle: limiter must be a limiter from createRateLimiter, got ${show(limiter)}`)
  }
  optionsObject(options, 'throttle', THROTTLE_OPTIONS, FOREIGN_WAIT_OPTIONS)
  const key = checkThrottleKey(options.key)
  const cost = options.cost
  // A cost object is checked against the limits on each call (they may be picked per caller).
  if (
    cost !== undefined &&
    typeof cost !== 'function' &&
    !isCostObject(cost) &&
    !(Number.isInteger(cost) && (cost as number) >= 0)
  ) {
    throw new ConfigError(
      `throttle: cost must be a non-negative integer, units per limit ({ requests: 1, tokens: 1200 }) or a function of the call's arguments, got ${show(cost)}`,
    )
  }
  const maxWaitMs = checkMaxWait(options.maxWaitMs, 'throttle', ConfigError)
  const signal = checkSignal(options.signal, 'throttle', ConfigError)
  const fixed: WaitOptions = waitOptions(maxWaitMs, signal, typeof cost === 'function' ? undefined : cost)
  return function throttled(this: unknown, ...args: A): Promise<Awaited<R>> {
    let input: K
    let asked: WaitOptions = fixed
    try {
      input = typeof key === 'function' ? (key as (...a: A) => K)(...args) : key
      if (typeof cost === 'function') asked = waitOptions(maxWaitMs, signal, cost(...args))
    } catch (error) {
      return Promise.reject(error)
    }
    return limiter.wait(input, asked).then(() => fn.apply(this, args) as Awaited<R>)
  }
}

/** The options every call of one throttled function waits with (no `undefined` members). */
function waitOptions(
  maxWaitMs: number,
  signal: AbortSignalLike | undefined,
  cost: Cost | undefined,
): WaitOptions {
  if (signal === undefined) return cost === undefined ? { maxWaitMs } : { maxWaitMs, cost }
  return cost === undefined ? { maxWaitMs, signal } : { maxWaitMs, signal, cost }
}

/** A fixed string key is checked as `limit` checks one, but now, as a `ConfigError`. */
function checkThrottleKey<K>(key: K): K {
  if (typeof key === 'function' || (typeof key === 'object' && key !== null)) return key
  try {
    checkKey(key)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    throw new ConfigError(
      `throttle: key must be a key (a non-empty string; a descriptor request for a rules limiter) or a function of the call's arguments; ${error.message}`,
    )
  }
  return key
}
