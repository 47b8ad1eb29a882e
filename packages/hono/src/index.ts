export type { OnLimited, RateLimitOptions, RateLimitVariables } from './options.ts'
export { type RateLimitMiddleware, rateLimit } from './rateLimit.ts'
