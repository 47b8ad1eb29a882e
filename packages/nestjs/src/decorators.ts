// @RateLimit() and @SkipRateLimit(): limits declared on controllers and handlers, read by the guard.
import { ConfigError } from '@sluice/core'
import type {} from 'reflect-metadata'
import { type Limit, makeLimit } from './guard.ts'
import type { HttpRequest, RateLimitAdjustment, RateLimitOptions } from './options.ts'

/** What one `@RateLimit` declares: a limit of its own, or a change to those inherited. */
export type Declared =
  | { readonly kind: 'limit'; readonly limit: Limit }
  | { readonly kind: 'adjust'; readonly options: Readonly<Record<string, unknown>> }

const LIMITS = 'sluice:rate-limits'
const SKIP = 'sluice:skip-rate-limit'

/**
 * Rate-limits a controller's routes or one handler's. With a `limiter`, it adds a limit of its own,
 * checked after those the route inherits (the module's, then the controller's): its options are
 * those of `rateLimit(options)`, validated here, where the class is declared. Without one, it
 * changes every limit the route inherits, option by option (`{ cost: 5 }` for an expensive route).
 * Several `@RateLimit`s on one target apply top to bottom.
 *
 * @example
 * \@Controller('auth')
 * class AuthController {
 *   \@Post('login')
 *   \@RateLimit({ limiter: loginLimiter, key: (req: Request) => String(req.body.email), policyName: 'login' })
 *   login() {}
 *
 *   \@Post('export')
 *   \@RateLimit({ cost: 10 })
 *   export() {}
 * }
 */
export function RateLimit<Req = HttpRequest>(
  options: RateLimitOptions<Req> | RateLimitAdjustment<Req>,
): ClassDecorator & MethodDecorator {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(
      `@RateLimit() takes an options object such as @RateLimit({ limiter }) or @RateLimit({ cost: 5 }); got ${String(options)}`,
    )
  }
  const declared: Declared =
    options.limiter === undefined
      ? { kind: 'adjust', options: withoutLimiter(options) }
      : { kind: 'limit', limit: makeLimit(options, '@RateLimit') }
  return (target: object, _property?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const where = (descriptor?.value as object | undefined) ?? target
    const above = (Reflect.getMetadata(LIMITS, where) as readonly Declared[] | undefined) ?? []
    // Decorators run bottom-up: prepend, so the list reads as the source does.
    Reflect.defineMetadata(LIMITS, [declared, ...above], where)
  }
}

/**
 * Drops the limits a controller or handler inherits: the module's (and on a handler, its
 * controller's). A `@RateLimit` on the same target or below still applies, so `@SkipRateLimit()`
 * with `@RateLimit({ limiter })` replaces the inherited limits with another.
 *
 * @example
 * \@Get('health')
 * \@SkipRateLimit()
 * health() { return 'ok' }
 */
export function SkipRateLimit(): ClassDecorator & MethodDecorator {
  return (target: object, _property?: string | symbol, descriptor?: PropertyDescriptor): void => {
    Reflect.defineMetadata(SKIP, true, (descriptor?.value as object | undefined) ?? target)
  }
}

/** What a controller class or a handler function declares. */
export function declaredOn(target: object): { readonly skip: boolean; readonly limits: readonly Declared[] } {
  return {
    skip: Reflect.getMetadata(SKIP, target) === true,
    limits: (Reflect.getMetadata(LIMITS, target) as readonly Declared[] | undefined) ?? [],
  }
}

function withoutLimiter(options: object): Record<string, unknown> {
  const { limiter: _, ...rest } = options as Record<string, unknown>
  return rest
}
