// The public shape of a limiter made from rules: its options and its calls. createRateLimiter
// (limiter.ts) builds it from the rules planner (planner.ts) and the one limiter pipeline.
import type { CallOptions } from '../callOptions.ts'
import type { ChargeOptions } from '../charges.ts'
import type { Decision } from '../decision.ts'
import type { ObservabilityOptions } from '../events/options.ts'
import type { LimiterEvents } from '../events/types.ts'
import type { RefundOptions } from '../refunds.ts'
import type { ResilienceOptions } from '../resilience/options.ts'
import type { Store } from '../store.ts'
import type { WaitOptions } from '../wait.ts'
import type { ShadowHooks } from './shadow.ts'
import type { DescriptorRequest, RuleSet } from './types.ts'

/**
 * `createRateLimiter` with `rules` in place of `algorithm`: the limits come from a rule set and
 * each request names what it is with descriptors. The failure options (`timeoutMs`,
 * `onStoreError`, …) apply as to any limiter.
 */
export interface RulesLimiterOptions extends ResilienceOptions, ShadowHooks, ObservabilityOptions {
  readonly store: Store
  /** From `parseRules(text)`, or a plain object of the same shape (validated the same way). */
  readonly rules: RuleSet | object
  /** A rules limiter takes no `algorithm`: its limits are the rules'. */
  readonly algorithm?: never
  /** Namespaces this limiter's counters in the store (see `RateLimiterOptions.prefix`). Defaults to `'sluice'`. */
  readonly prefix?: string
  /** Milliseconds since the epoch. Defaults to the store's own clock. */
  readonly clock?: () => number
  /**
   * Global shadow mode: every rule is evaluated and reported (`decision.shadow`, `onShadowDeny`)
   * and none denies, as if each had `shadow_mode: true`. Default false.
   */
  readonly shadowMode?: boolean
  /**
   * Two open limiters on one store with the same prefix and rules domain share their counters;
   * `createRateLimiter` warns once unless this is `true` (see `RateLimiterOptions.shareCounters`).
   * The domain checked is the one at construction; `setRules` with another domain is not rechecked.
   */
  readonly shareCounters?: boolean
}

/** A limiter whose limits come from rules. Its calls take descriptors where a plain limiter takes a key. */
export interface RulesRateLimiter {
  /**
   * Takes `cost` units from every limit the descriptors match, all-or-nothing in one store
   * request; shadow limits are evaluated alongside and never deny. A request that matches no
   * limit is allowed with no policies.
   */
  limit(request: DescriptorRequest, options?: CallOptions): Promise<Decision>
  /** What `limit` would decide, taking nothing. */
  peek(request: DescriptorRequest, options?: CallOptions): Promise<Decision>
  /**
   * Waits until every limit the descriptors match admits, as `RateLimiter.wait` does for a key:
   * sleeps the store's `retryAfterMs` between tries, rejects with a `WaitTimeoutError` when that
   * comes later than `maxWaitMs`, or with the signal's reason on abort.
   */
  wait(request: DescriptorRequest, options: WaitOptions): Promise<Decision>
  /** Forgets the counters of every limit these descriptors match (shadow ones included). */
  /**
   * As `RateLimiter.refund`: what a decision of this limiter took (its matched limits, not its
   * shadow ones), or `cost` units back to the counters `request` matches, from their current windows.
   */
  refund(decision: Decision): Promise<boolean>
  refund(request: DescriptorRequest, options?: RefundOptions): Promise<boolean>
  /** As `RateLimiter.release`: the concurrency leases a decision of this limiter took. */
  release(decision: Decision): Promise<boolean>
  /**
   * As `RateLimiter.charge`: `cost` units past the limit under every limit `request` matches (not
   * its shadow ones), never denied; resolves with a cost-1 peek's decision (with `limits`).
   *
   * @example
   * await limiter.charge({ descriptors: [[{ key: 'org', value: '7' }]] }, { cost: 800 })
   */
  charge(request: DescriptorRequest, options: ChargeOptions): Promise<Decision>
  reset(request: DescriptorRequest): Promise<void>
  /**
   * Puts a new rule set in force between two requests: a request uses one rule set from start to
   * end. A set that does not fit the store throws (`ConfigError`) and the old one stays.
   */
  setRules(rules: RuleSet | object): void
  /** The rule set in force. */
  readonly rules: RuleSet
  /** Stops the limiter (see `RateLimiter.close`). */
  close(): Promise<void>
  readonly store: Store
  /** This limiter's events (see `RateLimiter.events`), `rulesReloaded` and `rulesRejected` included. */
  readonly events: LimiterEvents
}
