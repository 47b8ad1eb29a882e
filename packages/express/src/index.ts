export { type RateLimitMiddleware, rateLimit } from './middleware.ts'
export type { OnLimited, RateLimitOptions } from './options.ts'
