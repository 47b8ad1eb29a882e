export { type RateLimitMiddleware, rateLimit } from './middleware.ts'
export type { OnLimited, RateLimitOptions, RateLimitState } from './options.ts'
