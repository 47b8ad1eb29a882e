// The failure options of createRateLimiter (timeoutMs, onStoreError, onError, denyCache, circuitBreaker), checked once.
import type { Algorithm } from '../algorithm.ts'
import type { DegradedReason } from '../decision.ts'
import type { Duration } from '../duration.ts'
import { ConfigError, type StoreError, UnsupportedAlgorithmError } from '../errors.ts'
import type { Store } from '../store.ts'
import { optionsObject, show } from '../validate.ts'
import type { CircuitBreakerOptions } from './circuitBreaker.ts'
import { timerDuration } from './deadlines.ts'
import type { DenyCacheOption } from './denyCache.ts'

/**
 * The store-error mode (`onStoreError`): what a limiter does when its store fails or does not
 * answer in time: `'deny'` (fail closed), `'allow'` (fail open), or a fallback store (usually
 * `memoryStore()`) that decides instead. Without one, the call rejects with the `StoreError`.
 */
export type StoreErrorMode = 'deny' | 'allow' | Store

/**
 * @deprecated Renamed {@link StoreErrorMode} ("policy" is what headers and decisions name); this
 * alias goes in the next minor version.
 */
export type StoreErrorPolicy = StoreErrorMode

/** What `onError` is told besides the error. */
export interface StoreFault {
  /** The limiter key of the call: the limiter's prefix and the caller's key (or rules domain). */
  readonly key: string
  readonly reason: Exclude<DegradedReason, 'circuit-open'>
}

/** The failure options of `createRateLimiter`. */
export interface ResilienceOptions {
  /**
   * Deadline of every store call in ms; past it the call counts as failed (`StoreTimeoutError`).
   * Default: the store's own deadline when it has one (`ioredisStore`'s `timeoutMs`), else 1000 for
   * a network store. A synchronous store (`memoryStore()`) cannot hang and gets none. A duration:
   * milliseconds or a string such as `'300ms'`, at most `MAX_TIMER_MS`.
   */
  readonly timeoutMs?: Duration
  /** What a call answers when the store fails. Default: none, the call rejects with the `StoreError`. */
  readonly onStoreError?: StoreErrorMode
  /** Sees every store fault (timeouts included), before the store-error mode answers. Errors it throws are ignored. */
  readonly onError?: (error: StoreError, fault: StoreFault) => void
  /**
   * Remembers each counter (key and limit) the store found exhausted, and denies any `limit()`
   * call that includes it in-process until that counter's `retryAfterMs` is over, without a round
   * trip: a request is all-or-nothing, so one exhausted counter denies it. It only ever answers
   * denials. Default: on (`maxKeys` 10,000 counters) for network stores, off for synchronous ones;
   * `false` turns it off.
   */
  readonly denyCache?: DenyCacheOption
  /**
   * Stops calling a failing store for a while. Default `{ failures: 5, coolDownMs: 500 }` for
   * network stores (none for synchronous ones); `false` turns it off.
   */
  readonly circuitBreaker?: false | CircuitBreakerOptions
}

/** The validated failure options. */
export interface Resilience {
  /** Deadline the limiter applies itself, or undefined when the store's own (or none) is used. */
  readonly timeoutMs: number | undefined
  /** `onStoreError`, or `'reject'` when none is given. */
  readonly storeErrorMode: 'reject' | StoreErrorMode
  readonly onError: ResilienceOptions['onError']
  /** 0: no deny cache. */
  readonly denyCacheKeys: number
  readonly breaker: { readonly failures: number; readonly coolDownMs: number } | undefined
}

const DEFAULT_TIMEOUT_MS = 1000
const DEFAULT_DENY_CACHE_KEYS = 10_000

/** Validates the failure options once, at construction (`ConfigError` for anything wrong). */
export function resolveResilience(
  options: ResilienceOptions,
  store: Store,
  algorithms: readonly Algorithm[],
  factory = 'createRateLimiter',
): Resilience {
  const network = store.applySync === undefined
  const given =
    options.timeoutMs === undefined ? undefined : timerDuration(options.timeoutMs, `${factory}: timeoutMs`)
  const timeoutMs = !network
    ? undefined
    : (given ?? (store.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : undefined))
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new ConfigError(
      `${factory}: onError must be a function (error, fault) => void, got ${show(options.onError)}`,
    )
  }
  return {
    timeoutMs,
    storeErrorMode: checkStoreErrorMode(options.onStoreError, store, algorithms, factory),
    onError: options.onError,
    denyCacheKeys: checkDenyCache(options.denyCache, network, factory),
    breaker: checkBreaker(options.circuitBreaker, network, factory),
  }
}

function checkStoreErrorMode(
  mode: unknown,
  store: Store,
  algorithms: readonly Algorithm[],
  factory: string,
): Resilience['storeErrorMode'] {
  if (mode === undefined) return 'reject'
  if (mode === 'deny' || mode === 'allow') return mode
  const fallback = mode as Partial<Store> | null
  if (
    typeof fallback !== 'object' ||
    fallback === null ||
    typeof fallback.apply !== 'function' ||
    !Array.isArray(fallback.capabilities?.algorithms)
  ) {
    throw new ConfigError(
      `${factory}: onStoreError must be 'deny' (fail closed), 'allow' (fail open) or a fallback store such as memoryStore(), got ${show(mode)}`,
    )
  }
  if (fallback === store) {
    throw new ConfigError(
      `${factory}: onStoreError is the limiter's own store; give another one, such as memoryStore()`,
    )
  }
  const f = fallback as Store
  for (const a of algorithms) {
    if (!f.capabilities.algorithms.includes(a.kind)) {
      throw new UnsupportedAlgorithmError(`${factory}: the fallback ${f.name} store cannot run ${a.kind}`)
    }
  }
  if (algorithms.length > 1 && !f.capabilities.composite) {
    throw new UnsupportedAlgorithmError(
      `${factory}: the fallback ${f.name} store cannot apply several limits atomically`,
    )
  }
  return f
}

function checkDenyCache(value: unknown, network: boolean, factory: string): number {
  if (value === undefined) return network ? DEFAULT_DENY_CACHE_KEYS : 0
  if (value === false) return 0
  if (value === true) return DEFAULT_DENY_CACHE_KEYS
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { maxKeys } = optionsObject(
      value as { maxKeys?: number },
      `${factory}: denyCache`,
      DENY_CACHE_OPTIONS,
    )
    if (maxKeys === undefined) return DEFAULT_DENY_CACHE_KEYS
    if (Number.isInteger(maxKeys) && maxKeys >= 1) return maxKeys
  }
  throw new ConfigError(
    `${factory}: denyCache must be true, false or { maxKeys } with a positive integer, got ${show(value)}`,
  )
}

function checkBreaker(value: unknown, network: boolean, factory: string): Resilience['breaker'] {
  if (value === false || (value === undefined && !network)) return undefined
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError(
      `${factory}: circuitBreaker must be false or { failures, coolDownMs }, got ${show(value)}`,
    )
  }
  const o = optionsObject(
    (value ?? {}) as CircuitBreakerOptions,
    `${factory}: circuitBreaker`,
    BREAKER_OPTIONS,
  )
  const failures = o.failures ?? 5
  if (!Number.isInteger(failures) || failures < 1) {
    throw new ConfigError(
      `${factory}: circuitBreaker.failures must be a positive integer, got ${show(failures)}`,
    )
  }
  const coolDownMs = timerDuration(o.coolDownMs ?? 500, `${factory}: circuitBreaker.coolDownMs`)
  return { failures, coolDownMs }
}

const DENY_CACHE_OPTIONS = ['maxKeys']
const BREAKER_OPTIONS = ['failures', 'coolDownMs']
