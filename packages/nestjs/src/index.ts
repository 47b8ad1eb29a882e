export { RateLimit, SkipRateLimit } from './decorators.ts'
export { RateLimitBadRequestException, RateLimitException } from './exceptions.ts'
export { rateLimit } from './guard.ts'
export { RateLimitGuard, SluiceModule } from './module.ts'
export type {
  HttpRequest,
  OnLimited,
  RateLimitAdjustment,
  RateLimitOptions,
  SluiceModuleAsyncOptions,
  SluiceModuleOptions,
} from './options.ts'
