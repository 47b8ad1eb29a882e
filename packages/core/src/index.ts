export type { Algorithm, AlgorithmKind, AlgorithmState, CommonOptions, StepResult } from './algorithm.ts'
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
export type { Decision, LimitDecision, PolicyDecision } from './decision.ts'
export { type Duration, formatDuration, parseDuration } from './duration.ts'
export {
  ConfigError,
  InputError,
  SluiceError,
  StoreError,
  StoreTimeoutError,
  UnsupportedAlgorithmError,
} from './errors.ts'
export { keyPrefix } from './keys.ts'
export { type CallOptions, createRateLimiter, type RateLimiter, type RateLimiterOptions } from './limiter.ts'
export { type StateWrite, type StepAllResult, stepAll } from './stepAll.ts'
export type { Store, StoreCapabilities, StoreRequest } from './store.ts'
