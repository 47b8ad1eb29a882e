// @sluice/core/http, for binding authors: the check every framework binding runs per request
// (createRateLimitCheck), the outcome it answers, headers and client identity. Edge-safe.

export { applyHeaders, type HeaderTarget } from '../http/applyHeaders.ts'
export { createRateLimitCheck, type RateLimitCheck } from '../http/check.ts'
export { type ClientAddressOptions, clientAddressKey } from '../http/clientAddress.ts'
export type { HeaderEntry, HeaderMode } from '../http/headers.ts'
export type { InvalidPart } from '../http/invalid.ts'
export type {
  BindingSpec,
  MaybePromise,
  RateLimitBindingOptions,
  ResolvedBindingOptions,
} from '../http/options.ts'
export type { InvalidRequest, RateLimited, RateLimitOutcome } from '../http/outcome.ts'
export type { BadRequestProblem, ProblemDetails } from '../http/problem.ts'
export type { AbortSignalLike } from '../resilience/runtime.ts'
