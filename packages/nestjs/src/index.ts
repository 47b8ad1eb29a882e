export { RateLimit, SkipRateLimit } from './decorators.ts'
export { RateLimitBadRequestException, RateLimitException } from './exceptions.ts'
export { type RateLimitGuardOf, rateLimit } from './guard.ts'
export { RateLimitGuard, SluiceModule } from './module.ts'
export type {
  HttpRequest,
  HttpResponse,
  OnLimited,
  RateLimitAdjustment,
  RateLimitOptions,
  SluiceModuleAsyncOptions,
  SluiceModuleOptions,
} from './options.ts'
