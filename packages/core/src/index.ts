export {
  ALGORITHM_KINDS,
  type Algorithm,
  type AlgorithmKind,
  type AlgorithmState,
  type CommonOptions,
  type StepResult,
} from './algorithm.ts'
export {
  type FixedWindowOptions,
  type FixedWindowParams,
  fixedWindow,
  fixedWindowStep,
} from './algorithms/fixedWindow.ts'
export { type GcraOptions, type GcraParams, gcra, gcraStep } from './algorithms/gcra.ts'
export {
  type LeakyBucketOptions,
  type LeakyBucketParams,
  leakyBucket,
  leakyBucketStep,
} from './algorithms/leakyBucket.ts'
export {
  type SlidingLogOptions,
  type SlidingLogParams,
  slidingLog,
  slidingLogStep,
} from './algorithms/slidingLog.ts'
export {
  type SlidingWindowOptions,
  type SlidingWindowParams,
  slidingWindow,
  slidingWindowStep,
} from './algorithms/slidingWindow.ts'
export {
  type TokenBucketOptions,
  type TokenBucketParams,
  tokenBucket,
  tokenBucketStep,
} from './algorithms/tokenBucket.ts'
export { combine } from './combine.ts'
export type {
  Decision,
  Degraded,
  DegradedMode,
  DegradedReason,
  LimitDecision,
  PolicyDecision,
} from './decision.ts'
export { type Duration, type DurationRule, formatDuration, MAX_TIMER_MS, parseDuration } from './duration.ts'
export {
  ConfigError,
  InputError,
  RulesError,
  SluiceError,
  StoreError,
  StoreTimeoutError,
  UnsupportedAlgorithmError,
} from './errors.ts'
export { applyHeaders, type HeaderTarget } from './http/applyHeaders.ts'
export { createRateLimitCheck, type RateLimitCheck } from './http/check.ts'
export { type ClientAddressOptions, clientAddressKey } from './http/clientAddress.ts'
export {
  HEADER_MODES,
  type HeaderEntry,
  type HeaderFormatter,
  type HeaderMode,
  headerFormatter,
  type PolicyInfo,
  type PolicyStatus,
  secondsUp,
} from './http/headers.ts'
export type { InvalidPart } from './http/invalid.ts'
export {
  type BindingSpec,
  type MaybePromise,
  type RateLimitBindingOptions,
  type ResolvedBindingOptions,
  resolveBindingOptions,
} from './http/options.ts'
export type { InvalidRequest, RateLimited, RateLimitOutcome } from './http/outcome.ts'
export {
  describePolicies,
  planResponse,
  type RefusalReason,
  type ResponsePlan,
} from './http/policies.ts'
export {
  type BadRequestProblem,
  badRequestProblem,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
  type ProblemInput,
  QUOTA_EXCEEDED_TYPE,
  quotaExceededProblem,
  refusalHeaders,
} from './http/problem.ts'
export { resolveCost, resolveKey, resolveSkip } from './http/request.ts'
export { appendListMembers, asciiPolicyName, sfInteger, sfString } from './http/structuredFields.ts'
export { type AbortSignalLike, waitForTurn } from './http/wait.ts'
export { keyPrefix, MAX_KEY_LENGTH } from './keys.ts'
export { type CallOptions, createRateLimiter, type RateLimiter, type RateLimiterOptions } from './limiter.ts'
export {
  type CircuitBreakerOptions,
  CircuitOpenError,
} from './resilience/circuitBreaker.ts'
export {
  createDeadlines,
  createStoreDeadlines,
  type Deadlines,
  type StoreDeadlineOptions,
  type StoreDeadlines,
  storeTimeoutMs,
} from './resilience/deadlines.ts'
export type { DenyCacheOption } from './resilience/denyCache.ts'
export type { ResilienceOptions, StoreErrorMode, StoreErrorPolicy, StoreFault } from './resilience/options.ts'
export {
  MAX_ALIASED_NODES,
  MAX_DESCRIPTOR_LENGTH,
  MAX_RULES_DEPTH,
  MAX_RULES_LENGTH,
} from './rules/limits.ts'
export { parseRules } from './rules/parse.ts'
export type { RulesLimiterOptions, RulesRateLimiter } from './rules/ruleLimiter.ts'
export type { ShadowDeny, ShadowHooks } from './rules/shadow.ts'
export type {
  Descriptor,
  DescriptorEntry,
  DescriptorRequest,
  RuleDescriptor,
  RuleLimit,
  RuleSet,
} from './rules/types.ts'
export { RULE_UNITS } from './rules/units.ts'
export { type StateWrite, type StepAllResult, stepAll, stepWithin } from './stepAll.ts'
export { MAX_LIMITS_PER_REQUEST, type Store, type StoreCapabilities, type StoreRequest } from './store.ts'
export { optionsObject } from './validate.ts'
