// What a limiter's event stream carries: one type per event, named as `limiter.events.on(name)` takes them.
import type { Algorithm, AlgorithmKind } from '../algorithm.ts'
import type { Decision, DegradedReason, PolicyDecision } from '../decision.ts'
import type { StoreError } from '../errors.ts'
import type { RuleSet } from '../rules/types.ts'

/** What every event carries: which limiter it comes from. */
export interface LimiterEventBase {
  /** The limiter's `prefix` (`'sluice'` by default): tells limiters apart on a shared channel. */
  readonly limiter: string
}

/** A `limit()` or `peek()` call was decided (by the store, the deny cache or the store-error mode). */
export interface DecisionEvent extends LimiterEventBase {
  /**
   * The caller's key (for a rules limiter, its descriptors as `key=value` text) as `exposeKey`
   * shows it; `undefined` unless the limiter was created with `exposeKey`.
   */
  readonly key: string | undefined
  /** `'limit'` consumes, `'peek'` only reads. */
  readonly operation: 'limit' | 'peek'
  readonly cost: number
  /** The deciding policy (`decision.policy`); `''` when a rules request matched no limit. */
  readonly policy: string
  /** The algorithm of the deciding policy; `undefined` when no limit applied. */
  readonly algorithm: AlgorithmKind | undefined
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  readonly resetAfterMs: number
  readonly retryAfterMs: number
  readonly delayMs: number
  /** Why the store did not decide (`decision.degraded.reason`), else `undefined`. */
  readonly degraded: DegradedReason | undefined
  /** Rules limiters: the shadow policies evaluated alongside (`decision.shadow`). */
  readonly shadow: readonly PolicyDecision[] | undefined
  /** True when the deny cache answered, without a store round trip. */
  readonly cached: boolean
  /**
   * Milliseconds the store (or the fallback store) took to answer: the round trip of a network
   * store. `undefined` when no store was asked (deny cache, open circuit, no matching rule).
   */
  readonly storeLatencyMs: number | undefined
  /** The time the call was judged at, ms since the epoch: the limiter's clock, else `Date.now()`. */
  readonly timeMs: number
  /** The limits behind `decision.policies`, in order. */
  readonly limits: readonly Algorithm[]
  readonly decision: Decision
}

/** The store failed or timed out (before the store-error mode answers the call). */
export interface StoreErrorEvent extends LimiterEventBase {
  readonly store: string
  readonly reason: 'timeout' | 'store-error'
  readonly error: StoreError
}

/** The circuit breaker opened (`failures` faults in a row) or closed again (the store answered). */
export interface BreakerEvent extends LimiterEventBase {
  readonly store: string
  /** Open: how long until the store is probed again. Close: 0. */
  readonly retryAfterMs: number
}

/** A rules limiter put a new rule set in force (`setRules`, or `watchRules(path, limiter)`). */
export interface RulesReloadedEvent extends LimiterEventBase {
  readonly domain: string
  readonly rules: RuleSet
}

/** A rule set was refused (invalid, or does not fit the store); the rules in force stay. */
export interface RulesRejectedEvent extends LimiterEventBase {
  readonly error: unknown
}

/** The deny cache answered a `limit()` call without asking the store. */
export interface DenyCacheHitEvent extends LimiterEventBase {
  readonly key: string | undefined
  readonly policy: string
  readonly retryAfterMs: number
}

/** Every event by name: `limiter.events.on(name, (event: LimiterEventMap[name]) => …)`. */
export interface LimiterEventMap {
  decision: DecisionEvent
  storeError: StoreErrorEvent
  breakerOpen: BreakerEvent
  breakerClose: BreakerEvent
  rulesReloaded: RulesReloadedEvent
  rulesRejected: RulesRejectedEvent
  denyCacheHit: DenyCacheHitEvent
}

export type LimiterEventName = keyof LimiterEventMap

/** The names, in one order that every list of them follows (channels, docs, tests). */
export const LIMITER_EVENT_NAMES: readonly LimiterEventName[] = Object.freeze([
  'decision',
  'storeError',
  'breakerOpen',
  'breakerClose',
  'rulesReloaded',
  'rulesRejected',
  'denyCacheHit',
])

/** A limiter's event stream. */
export interface LimiterEvents {
  /**
   * Calls `listener` with every `name` event of this limiter, synchronously, after the decision is
   * made and before the caller sees it. Returns a function that unsubscribes. A listener that
   * throws does not change the decision: the error goes to the limiter's `logger` (else
   * `console.error`).
   */
  on<K extends LimiterEventName>(name: K, listener: (event: LimiterEventMap[K]) => void): () => void
  /** Removes a listener given to `on`. */
  off<K extends LimiterEventName>(name: K, listener: (event: LimiterEventMap[K]) => void): void
  /** Listeners of `name` on this stream (diagnostics_channel subscribers not counted). */
  listenerCount(name: LimiterEventName): number
  /** The limiter's `prefix`, as every event of this stream names it. */
  readonly limiter: string
  /**
   * Requests the HTTP bindings (@sluice/express, @sluice/hono, @sluice/koa) using this limiter hold
   * right now while they wait their shaping turn (a leaky bucket's `delayMs`), summed over those
   * bindings. Read it when you need it (a gauge's callback): nothing is emitted when it changes.
   */
  readonly parked: number
}
