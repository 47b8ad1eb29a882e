// @sluice/core/http, for binding authors: the check every framework binding runs per request
// (createRateLimitCheck), the outcome it answers, headers and client identity. Edge-safe.

export { applyHeaders, type HeaderTarget } from '../http/applyHeaders.ts'
export {
  type BindingEventBase,
  type BindingEventMap,
  type BindingEventName,
  type BindingEvents,
  type BindingRefundEvent,
  type BindingRequestAction,
  type BindingRequestEvent,
  bindingEvents,
  type ResponseEnd,
} from '../http/bindingEvents.ts'
export { createRateLimitCheck, type RateLimitCheck, type RateLimitChecker } from '../http/check.ts'
export { type ClientAddressOptions, clientAddressKey } from '../http/clientAddress.ts'
export type { HeaderEntry, HeaderMode } from '../http/headers.ts'
export type { InvalidPart } from '../http/invalid.ts'
export { type NodeResponseLike, onResponseEnd } from '../http/nodeResponse.ts'
export type {
  BindingSpec,
  MaybePromise,
  RateLimitBindingOptions,
  ResolvedBindingOptions,
} from '../http/options.ts'
export type { InvalidRequest, RateLimited, RateLimitOutcome } from '../http/outcome.ts'
export type { BadRequestProblem, ProblemDetails } from '../http/problem.ts'
export type { OutcomeOptions, Settle } from '../http/settle.ts'
export type { AbortSignalLike } from '../resilience/runtime.ts'
