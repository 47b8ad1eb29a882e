// What @sluice/core exported before the entries were split by audience, now in @sluice/core/http
// or @sluice/core/store (or no longer needed): kept for one minor version so old imports still
// work, each marked deprecated where editors show it. Removed in the next minor.

import { fixedWindowStep as fixedWindowStepNow } from '../algorithms/fixedWindow.ts'
import { gcraStep as gcraStepNow } from '../algorithms/gcra.ts'
import { leakyBucketStep as leakyBucketStepNow } from '../algorithms/leakyBucket.ts'
import { slidingLogStep as slidingLogStepNow } from '../algorithms/slidingLog.ts'
import { slidingWindowStep as slidingWindowStepNow } from '../algorithms/slidingWindow.ts'
import { tokenBucketStep as tokenBucketStepNow } from '../algorithms/tokenBucket.ts'
import * as headers from '../http/headers.ts'
import { MAX_ALIASED_NODES as MAX_ALIASED_NODES_NOW } from '../rules/limits.ts'
import * as http from './http.ts'
import * as store from './store.ts'

/** @deprecated Use the algorithm's own step: `fixedWindow(options).step(state, now, cost)`. */
export const fixedWindowStep = fixedWindowStepNow
/** @deprecated Use the algorithm's own step: `gcra(options).step(state, now, cost)`. */
export const gcraStep = gcraStepNow
/** @deprecated Use the algorithm's own step: `leakyBucket(options).step(state, now, cost)`. */
export const leakyBucketStep = leakyBucketStepNow
/** @deprecated Use the algorithm's own step: `slidingLog(options).step(state, now, cost)`. */
export const slidingLogStep = slidingLogStepNow
/** @deprecated Use the algorithm's own step: `slidingWindow(options).step(state, now, cost)`. */
export const slidingWindowStep = slidingWindowStepNow
/** @deprecated Use the algorithm's own step: `tokenBucket(options).step(state, now, cost)`. */
export const tokenBucketStep = tokenBucketStepNow

/** @deprecated Bindings format headers through `createRateLimitCheck` (`@sluice/core/http`). */
export const headerFormatter = headers.headerFormatter
/** @deprecated Bindings format headers through `createRateLimitCheck` (`@sluice/core/http`). */
export type HeaderFormatter = headers.HeaderFormatter
/** @deprecated Bindings format headers through `createRateLimitCheck` (`@sluice/core/http`). */
export type PolicyInfo = headers.PolicyInfo
/** @deprecated Bindings format headers through `createRateLimitCheck` (`@sluice/core/http`). */
export type PolicyStatus = headers.PolicyStatus

/** @deprecated Import from `@sluice/core/yaml`, where rules text is read. */
export const MAX_ALIASED_NODES = MAX_ALIASED_NODES_NOW

/** @deprecated Import from `@sluice/core/http`. */
export const applyHeaders = http.applyHeaders
/** @deprecated Import from `@sluice/core/http`. */
export const clientAddressKey = http.clientAddressKey
/** @deprecated Import from `@sluice/core/http`. */
export const createRateLimitCheck = http.createRateLimitCheck
/** @deprecated Import from `@sluice/core/http`. */
export type AbortSignalLike = http.AbortSignalLike
/** @deprecated Import from `@sluice/core/http`. */
export type BadRequestProblem = http.BadRequestProblem
/** @deprecated Import from `@sluice/core/http`. */
export type BindingSpec<Req> = http.BindingSpec<Req>
/** @deprecated Import from `@sluice/core/http`. */
export type ClientAddressOptions = http.ClientAddressOptions
/** @deprecated Import from `@sluice/core/http`. */
export type HeaderEntry = http.HeaderEntry
/** @deprecated Import from `@sluice/core/http`. */
export type HeaderMode = http.HeaderMode
/** @deprecated Import from `@sluice/core/http`. */
export type HeaderTarget = http.HeaderTarget
/** @deprecated Import from `@sluice/core/http`. */
export type InvalidPart = http.InvalidPart
/** @deprecated Import from `@sluice/core/http`. */
export type InvalidRequest = http.InvalidRequest
/** @deprecated Import from `@sluice/core/http`. */
export type MaybePromise<T> = http.MaybePromise<T>
/** @deprecated Import from `@sluice/core/http`. */
export type ProblemDetails = http.ProblemDetails
/** @deprecated Import from `@sluice/core/http`. */
export type RateLimitBindingOptions<Req> = http.RateLimitBindingOptions<Req>
/** @deprecated Import from `@sluice/core/http`. */
export type RateLimitCheck<Req> = http.RateLimitCheck<Req>
/** @deprecated Import from `@sluice/core/http`. */
export type RateLimited = http.RateLimited
/** @deprecated Import from `@sluice/core/http`. */
export type RateLimitOutcome = http.RateLimitOutcome
/** @deprecated Import from `@sluice/core/http`. */
export type ResolvedBindingOptions<Req> = http.ResolvedBindingOptions<Req>

/** @deprecated Import from `@sluice/core/store`. */
export const ALGORITHM_KINDS = store.ALGORITHM_KINDS
/** @deprecated Import from `@sluice/core/store`. */
export const MAX_LIMITS_PER_REQUEST = store.MAX_LIMITS_PER_REQUEST
/** @deprecated Import from `@sluice/core/store`. */
export const MAX_TIMER_MS = store.MAX_TIMER_MS
/** @deprecated Import from `@sluice/core/store`. */
export const createStoreDeadlines = store.createStoreDeadlines
/** @deprecated Import from `@sluice/core/store`. */
export const optionsObject = store.optionsObject
/** @deprecated Import from `@sluice/core/store`. */
export const parseDuration = store.parseDuration
/** @deprecated Import from `@sluice/core/store`. */
export const stepAll = store.stepAll
/** @deprecated Import from `@sluice/core/store`. */
export const stepWithin = store.stepWithin
/** @deprecated Import from `@sluice/core/store`. */
export const storeTimeoutMs = store.storeTimeoutMs
/** @deprecated Import from `@sluice/core/store`. */
export type DurationRule = store.DurationRule
/** @deprecated Import from `@sluice/core/store`. */
export type StateWrite = store.StateWrite
/** @deprecated Import from `@sluice/core/store`. */
export type StepAllResult = store.StepAllResult
/** @deprecated Import from `@sluice/core/store`. */
export type StoreCapabilities = store.StoreCapabilities
/** @deprecated Import from `@sluice/core/store`. */
export type StoreDeadlineOptions = store.StoreDeadlineOptions
/** @deprecated Import from `@sluice/core/store`. */
export type StoreDeadlines = store.StoreDeadlines
/** @deprecated Import from `@sluice/core/store`. */
export type StoreRequest = store.StoreRequest
