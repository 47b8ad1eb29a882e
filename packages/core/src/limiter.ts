import type { Algorithm } from './algorithm.ts'
import type { Decision } from './decision.ts'
import { ConfigError, InputError, UnsupportedAlgorithmError } from './errors.ts'
import { keyPrefix } from './keys.ts'
import { type ResilienceOptions, resolveResilience } from './resilience/options.ts'
import { createRulesLimiter, type RulesLimiterOptions, type RulesRateLimiter } from './rules/ruleLimiter.ts'
import { prepareRules } from './rules/ruleSet.ts'
import type { Store, StoreRequest } from './store.ts'
import { storeCall } from './storeCall.ts'
import { optionsObject, show } from './validate.ts'

/**
 * Besides these, the failure options of {@link ResilienceOptions}: `timeoutMs`, `onStoreError`,
 * `onError`, `denyCache`, `circuitBreaker`.
 */
export interface RateLimiterOptions extends ResilienceOptions {
  /** Where state lives: `memoryStore()`, `ioredisStore({ client })`, … */
  readonly store: Store
  /** One limit, or several checked and consumed together, all-or-nothing. */
  readonly algorithm: Algorithm | readonly Algorithm[]
  /** Namespaces this limiter's keys in the store. Defaults to `'sluice'`. */
  readonly prefix?: string
  /** Milliseconds since the epoch. Defaults to the store's own clock; pass one to control time in tests. */
  readonly clock?: () => number
}

export interface CallOptions {
  /** Units this request takes: a non-negative integer; default 1 for `limit`, 0 for `peek`. */
  readonly cost?: number
  /**
   * Shaping (leaky bucket): the longest `delayMs` this caller will wait. A request that would wait
   * longer is denied instead, taking nothing, with `retryAfterMs` the extra wait. Default: no bound.
   */
  readonly maxDelayMs?: number
}

export interface RateLimiter {
  /** Takes `cost` units for `key` if every limit admits; otherwise takes nothing. */
  limit(key: string, options?: CallOptions): Promise<Decision>
  /**
   * Reads without taking anything. By default (cost 0) it reports what is left now; with a
   * `cost` it says what `limit(key, { cost })` would decide, and what would be left after it.
   */
  peek(key: string, options?: CallOptions): Promise<Decision>
  /** Forgets `key` under every limit of this limiter (and in its deny cache and fallback store). */
  reset(key: string): Promise<void>
  /**
   * Lets pending calls settle (each within its deadline), stops the limiter's timers and empties
   * its deny cache; later calls reject with a `StoreError`. It does not close the store: close
   * that yourself (`store.close?.()`), and your Redis client after it. Idempotent.
   */
  close(): Promise<void>
  /** The limits, in order. */
  readonly algorithms: readonly Algorithm[]
  readonly store: Store
}

const LIMITER_OPTIONS = [
  'store',
  'algorithm',
  'rules',
  'prefix',
  'clock',
  'timeoutMs',
  'onStoreError',
  'onError',
  'denyCache',
  'circuitBreaker',
  'shadowMode',
  'onShadowDeny',
  'onShadowError',
]

/** Option names of other rate limiters, so a ported config fails with a pointer. */
const FOREIGN_OPTIONS: Record<string, string> = {
  max: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  limit: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  points: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  windowMs: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  duration: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  keyPrefix: 'use prefix',
  timeout: 'use timeoutMs',
}

/**
 * Creates a rate limiter over one store.
 *
 * @example
 * const limiter = createRateLimiter({
 *   store: memoryStore(),
 *   algorithm: gcra({ rate: 100, period: '1m', burst: 20 }),
 *   prefix: 'api',
 * })
 * const decision = await limiter.limit('user:42')
 * if (!decision.allowed) console.log(`retry in ${decision.retryAfterMs} ms`)
 *
 * // Limits from rules (Envoy/Lyft ratelimit format): requests carry descriptors instead of a key.
 * const rulesLimiter = createRateLimiter({ store: memoryStore(), rules: parseRules(yamlText) })
 * await rulesLimiter.limit({ descriptors: [[{ key: 'user', value: '42' }]] })
 */
export function createRateLimiter(options: RulesLimiterOptions): RulesRateLimiter
export function createRateLimiter(options: RateLimiterOptions): RateLimiter
export function createRateLimiter(
  options: RateLimiterOptions | RulesLimiterOptions,
): RateLimiter | RulesRateLimiter {
  optionsObject(options, 'createRateLimiter', LIMITER_OPTIONS, FOREIGN_OPTIONS)
  const store = checkStore(options.store)
  const rules = 'rules' in options && options.rules !== undefined ? checkRules(options, store) : undefined
  const algorithms = rules?.algorithms ?? checkAlgorithms(options.algorithm, store)
  const prefix = checkPrefix(options.prefix)
  const clock = checkClock(options.clock)
  const maxCost = Math.min(...algorithms.map((a) => a.maxCost))
  const start = keyPrefix(prefix)
  const keyOf = (key: unknown): string => start + checkKey(key)

  const call = storeCall(store, resolveResilience(options, store, algorithms))
  if (rules !== undefined) {
    const parts = { store, call, start, clock, readClock, checkMaxDelay }
    return createRulesLimiter(options as RulesLimiterOptions, rules, parts)
  }

  function decide(key: unknown, callOptions: CallOptions | undefined, consume: boolean): Promise<Decision> {
    try {
      const given = callOptions?.cost
      const request: StoreRequest = {
        key: keyOf(key),
        limits: algorithms,
        cost: given === undefined ? (consume ? 1 : 0) : checkCost(given, algorithms, maxCost),
        consume,
        now: clock === undefined ? undefined : readClock(clock),
        maxDelayMs: checkMaxDelay(callOptions?.maxDelayMs),
      }
      return call(request)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  const limiter: RateLimiter = {
    limit: (key, callOptions) => decide(key, callOptions, true),
    peek: (key, callOptions) => decide(key, callOptions, false),
    reset: async (key) => call.reset(keyOf(key), algorithms),
    close: () => call.close(),
    algorithms,
    store,
  }
  return limiter
}

function checkRules(options: RulesLimiterOptions, store: Store) {
  if (options.algorithm !== undefined) {
    throw new ConfigError(
      'createRateLimiter: give either algorithm (one set of limits for every key) or rules (limits per descriptor), not both',
    )
  }
  return prepareRules(options.rules, store, 'createRateLimiter')
}

function checkStore(store: unknown): Store {
  const s = store as Partial<Store> | undefined
  if (
    typeof s?.apply !== 'function' ||
    typeof s.reset !== 'function' ||
    !Array.isArray(s.capabilities?.algorithms)
  ) {
    throw new ConfigError(
      `createRateLimiter: store must be a sluice Store such as memoryStore(), got ${show(store)}`,
    )
  }
  return s as Store
}

function checkAlgorithms(algorithm: unknown, store: Store): readonly Algorithm[] {
  const list = Array.isArray(algorithm) ? [...algorithm] : [algorithm]
  if (list.length === 0) {
    throw new ConfigError('createRateLimiter: algorithm is an empty list; give at least one limit')
  }
  for (const a of list) {
    if (typeof (a as Partial<Algorithm>)?.step !== 'function' || typeof (a as Algorithm).kind !== 'string') {
      throw new ConfigError(
        `createRateLimiter: algorithm must come from a factory such as fixedWindow({ limit, window }), got ${show(a)}`,
      )
    }
    const kind = (a as Algorithm).kind
    if (!store.capabilities.algorithms.includes(kind)) {
      throw new UnsupportedAlgorithmError(
        `createRateLimiter: the ${store.name} store cannot run ${kind}; it supports ${store.capabilities.algorithms.join(', ')}`,
      )
    }
  }
  const algorithms = list as Algorithm[]
  if (algorithms.length > 1 && !store.capabilities.composite) {
    throw new UnsupportedAlgorithmError(
      `createRateLimiter: the ${store.name} store cannot apply several limits atomically; give one algorithm`,
    )
  }
  const ids = new Set(algorithms.map((a) => a.id))
  if (ids.size !== algorithms.length) {
    throw new ConfigError(
      'createRateLimiter: the same limit appears twice in algorithm; remove the duplicate',
    )
  }
  return Object.freeze(algorithms)
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return 'sluice'
  if (typeof prefix !== 'string' || prefix === '') {
    throw new ConfigError(`createRateLimiter: prefix must be a non-empty string, got ${show(prefix)}`)
  }
  return prefix
}

function checkClock(clock: unknown): (() => number) | undefined {
  if (clock !== undefined && typeof clock !== 'function') {
    throw new ConfigError(
      `createRateLimiter: clock must be a function returning epoch milliseconds, got ${show(clock)}`,
    )
  }
  return clock as (() => number) | undefined
}

function readClock(clock: () => number): number {
  const now = clock()
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new ConfigError(`createRateLimiter: clock must return epoch milliseconds, got ${show(now)}`)
  }
  return Math.floor(now)
}

function checkMaxDelay(maxDelayMs: unknown): number | undefined {
  if (maxDelayMs === undefined || maxDelayMs === Number.POSITIVE_INFINITY) return undefined
  if (typeof maxDelayMs !== 'number' || !Number.isInteger(maxDelayMs) || maxDelayMs < 0) {
    throw new InputError(`maxDelayMs must be a whole number of milliseconds ≥ 0, got ${show(maxDelayMs)}`)
  }
  return maxDelayMs
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new InputError(`key must be a non-empty string, got ${show(key)}`)
  }
  return key
}

function checkCost(cost: unknown, algorithms: readonly Algorithm[], maxCost: number): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0) {
    throw new InputError(`cost must be a non-negative integer, got ${show(cost)}`)
  }
  if (cost > maxCost) {
    const tightest = algorithms.find((a) => a.maxCost === maxCost) as Algorithm
    throw new InputError(
      `cost ${cost} can never be admitted: ${tightest.name} admits at most ${maxCost} at once; lower the cost or raise the limit`,
    )
  }
  return cost
}
