export { type RateLimitHook, rateLimitHook } from './hook.ts'
export type {
  OnLimited,
  RateLimitHookName,
  RateLimitHookOptions,
  RateLimitOptions,
  RouteRateLimitOptions,
} from './options.ts'

import { rateLimit } from './plugin.ts'

export { rateLimit }
export default rateLimit
