// @sluice/core for apps: limiters, algorithms, decisions, errors, and rules from objects or JSON.
// Binding authors add @sluice/core/http, store authors @sluice/core/store; YAML rules and
// watchRules (Node only) are @sluice/core/yaml, so an app that reads no YAML never bundles a parser.

export { type AccessList, type AccessListEntries, accessList } from './access/accessList.ts'
export type {
  Algorithm,
  AlgorithmKind,
  AlgorithmState,
  CommonOptions,
  StepResult,
} from './algorithm.ts'
export { type ConcurrencyOptions, type ConcurrencyParams, concurrency } from './algorithms/concurrency.ts'
export {
  type FixedWindowAlign,
  type FixedWindowOptions,
  type FixedWindowParams,
  fixedWindow,
} from './algorithms/fixedWindow.ts'
export { type GcraOptions, type GcraParams, gcra } from './algorithms/gcra.ts'
export { type LeakyBucketOptions, type LeakyBucketParams, leakyBucket } from './algorithms/leakyBucket.ts'
export { type SlidingLogOptions, type SlidingLogParams, slidingLog } from './algorithms/slidingLog.ts'
export {
  type SlidingWindowOptions,
  type SlidingWindowParams,
  slidingWindow,
} from './algorithms/slidingWindow.ts'
export { type TokenBucketOptions, type TokenBucketParams, tokenBucket } from './algorithms/tokenBucket.ts'
export type { Cost } from './costs.ts'
export type {
  Decision,
  Degraded,
  DegradedMode,
  DegradedReason,
  LimitDecision,
  PolicyDecision,
} from './decision.ts'
export type { Duration } from './duration.ts'
// Names that moved to @sluice/core/http or /store, kept deprecated for one minor version.
export * from './entries/deprecated.ts'
export {
  ConfigError,
  InputError,
  RulesError,
  SluiceError,
  StoreError,
  StoreTimeoutError,
  UnsupportedAlgorithmError,
} from './errors.ts'
export { explainDecision } from './events/explain.ts'
export { createExplainer } from './events/explainer.ts'
export { channelName, type ExposeKey } from './events/hub.ts'
export type { Logger } from './events/logger.ts'
export type { ObservabilityOptions } from './events/options.ts'
export {
  type BreakerEvent,
  type DecisionEvent,
  type DenyCacheHitEvent,
  LIMITER_EVENT_NAMES,
  type LimiterEventBase,
  type LimiterEventMap,
  type LimiterEventName,
  type LimiterEvents,
  type RulesRejectedEvent,
  type RulesReloadedEvent,
  type StoreErrorEvent,
} from './events/types.ts'
export { MAX_KEY_LENGTH } from './keys.ts'
export {
  type CallOptions,
  type ChargeOptions,
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
  type RefundOptions,
} from './limiter.ts'
export { type BlockEscalation, MAX_BLOCK_MS, type PenaltyOptions } from './penaltyOptions.ts'
export type { Caller, LimitsPerCaller } from './perCaller.ts'
export { type CircuitBreakerOptions, CircuitOpenError } from './resilience/circuitBreaker.ts'
export type { DenyCacheOption } from './resilience/denyCache.ts'
export type { ResilienceOptions, StoreErrorMode, StoreErrorPolicy, StoreFault } from './resilience/options.ts'
export { MAX_RULES_DEPTH, MAX_RULES_LENGTH } from './rules/limits.ts'
export { parseRules } from './rules/parse.ts'
export type { RulesLimiterOptions, RulesRateLimiter } from './rules/ruleLimiter.ts'
export type { ShadowDeny, ShadowHooks } from './rules/shadow.ts'
export type {
  Descriptor,
  DescriptorEntry,
  DescriptorRequest,
  DescriptorWithLimit,
  LimitOverride,
  RuleDescriptor,
  RuleLimit,
  RuleSet,
} from './rules/types.ts'
// The type of a limiter's `store` option; what a store implements is in @sluice/core/store.
export type { Store } from './store.ts'
export { type ThrottleOptions, throttle, type Waiter } from './throttle.ts'
export { type WaitOptions, WaitTimeoutError } from './wait.ts'
