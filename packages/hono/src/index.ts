export type { OnLimited, RateLimitOptions, RateLimitVariables } from './options.ts'
export { rateLimit } from './rateLimit.ts'
