// @sluice/fetch: rate limits for any runtime with Request and Response.
export type { IpHeader } from './ipHeader.ts'
export type { OnLimited, RateLimitOptions } from './options.ts'
export { type FetchHandler, type RateLimit, rateLimit, withRateLimit } from './rateLimit.ts'
export { getRateLimit, rateLimitHeaders } from './state.ts'
