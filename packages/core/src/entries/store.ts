// @sluice/core/store, for store authors: the Store contract, the reference steps a store must
// match, the deadline a store call keeps, and the option checks every store shares. Edge-safe.

export { ALGORITHM_KINDS } from '../algorithm.ts'
export { type ChargeAllResult, chargeAll, chargeBound, chargeCap, chargeStep } from '../algorithms/charge.ts'
export { refundAll, refundStep } from '../algorithms/refund.ts'
export { largestCost, perLimitCosts } from '../costs.ts'
export { type DurationRule, MAX_TIMER_MS, parseDuration } from '../duration.ts'
export {
  BLOCK_ID,
  type BlockState,
  banState,
  nextBlockMs,
  type Penalty,
  type PenaltyStepResult,
  penaltyStep,
} from '../penalty.ts'
export {
  createStoreDeadlines,
  type StoreDeadlineOptions,
  type StoreDeadlines,
  storeTimeoutMs,
} from '../resilience/deadlines.ts'
export { type StateWrite, type StepAllResult, stepAll, stepWithin } from '../stepAll.ts'
export {
  type BanRequest,
  type ChargeRequest,
  MAX_LIMITS_PER_REQUEST,
  type RefundRequest,
  type Store,
  type StoreCapabilities,
  type StoreRequest,
} from '../store.ts'
export { optionsObject } from '../validate.ts'
