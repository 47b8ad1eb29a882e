// SluiceModule and RateLimitGuard: the app-wide limit, and the guard that runs each route's limits.

import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  Global,
  Inject,
  Injectable,
  Module,
  type Provider,
} from '@nestjs/common'
import { APP_GUARD, DiscoveryModule, DiscoveryService } from '@nestjs/core'
import { ConfigError } from '@sluice/core'
import { enforce, type Limit, makeLimit } from './guard.ts'
import type { SluiceModuleAsyncOptions, SluiceModuleOptions } from './options.ts'
import { RouteLimits } from './routeLimits.ts'

/** The app-wide limit made from the module's options (`undefined`: none). */
const ROOT_LIMIT = Symbol('sluice:root-limit')

/**
 * The guard that runs each route's limits: the module's, then those of `@RateLimit` on the
 * controller and the handler, less what `@SkipRateLimit()` drops. Installed app-wide by
 * `SluiceModule` (unless `globalGuard: false`); otherwise `@UseGuards(RateLimitGuard)`. A request
 * it has already limited passes through, so the two together never count a request twice.
 *
 * @example
 * \@Controller('reports')
 * \@UseGuards(RateLimitGuard)
 * class ReportsController {}
 */
export class RateLimitGuard implements CanActivate {
  readonly #limits: RouteLimits
  constructor(limits: RouteLimits) {
    this.#limits = limits
  }
  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    if (context.getType() !== 'http') return true
    const req = context.switchToHttp().getRequest<Record<symbol, unknown>>()
    if (req[LIMITED] === true) return true
    req[LIMITED] = true
    return enforce(this.#limits.of(context.getClass(), context.getHandler() as () => unknown), context)
  }
}
const LIMITED = Symbol('sluice:limited')
// Applied as calls, not `@` syntax: the published code then needs no decorator transform, and the
// token is explicit, so nothing depends on emitDecoratorMetadata.
Injectable()(RateLimitGuard)
Inject(RouteLimits)(RateLimitGuard, undefined, 0)

/**
 * Rate limiting for a Nest app (Express or Fastify adapter): `forRoot(options)` sets the limit every
 * route gets (the options of `rateLimit`, with an optional `limiter`) and installs `RateLimitGuard`
 * app-wide; `@RateLimit()` and `@SkipRateLimit()` change it per controller and per handler. The
 * module is global: `RateLimitGuard` can be used in any module.
 *
 * @example
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: gcra({ rate: 100, period: '1m' }) })
 * \@Module({ imports: [SluiceModule.forRoot({ limiter })], controllers: [AppController] })
 * class AppModule {}
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; forRoot / forRootAsync are Nest's convention
export class SluiceModule {
  /** The module with options known now: bad options throw a `ConfigError` here. */
  static forRoot(options: SluiceModuleOptions): DynamicModule {
    const root = rootLimit(options, 'SluiceModule.forRoot')
    return moduleOf({ provide: ROOT_LIMIT, useValue: root }, [], options.globalGuard)
  }

  /**
   * The module with options from a factory (say of a `ConfigService`), made when the app starts:
   * bad options fail the start-up with a `ConfigError`.
   *
   * @example
   * SluiceModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ limiter: limiterFor(config.get('REDIS_URL')) }),
   * })
   */
  static forRootAsync(options: SluiceModuleAsyncOptions): DynamicModule {
    if (typeof options?.useFactory !== 'function') {
      throw new ConfigError(
        'SluiceModule.forRootAsync: useFactory must be a function returning the options of forRoot, such as () => ({ limiter })',
      )
    }
    const provider: Provider = {
      provide: ROOT_LIMIT,
      useFactory: async (...args: unknown[]) =>
        rootLimit(await options.useFactory(...args), 'SluiceModule.forRootAsync'),
      inject: [...(options.inject ?? [])],
    }
    return moduleOf(provider, options.imports ?? [], options.globalGuard)
  }
}
Global()(SluiceModule)
Module({})(SluiceModule)

function moduleOf(
  root: Provider,
  imports: NonNullable<DynamicModule['imports']>,
  globalGuard: unknown,
): DynamicModule {
  if (globalGuard !== undefined && typeof globalGuard !== 'boolean') {
    throw new ConfigError(`SluiceModule: globalGuard must be true or false, got ${String(globalGuard)}`)
  }
  const routes: Provider = {
    provide: RouteLimits,
    useFactory: (limit: Limit | undefined, discovery: DiscoveryService) => {
      const limits = new RouteLimits(limit)
      // Every route's limits are made now, so a bad @RateLimit stops the start-up.
      for (const { metatype } of discovery.getControllers()) {
        if (typeof metatype === 'function') limits.prepare(metatype, methodsOf(metatype.prototype))
      }
      return limits
    },
    inject: [ROOT_LIMIT, DiscoveryService],
  }
  const providers: Provider[] = [root, routes, RateLimitGuard]
  if (globalGuard !== false) providers.push({ provide: APP_GUARD, useExisting: RateLimitGuard })
  return {
    module: SluiceModule,
    global: true,
    imports: [DiscoveryModule, ...imports],
    providers,
    exports: [RouteLimits, RateLimitGuard],
  }
}

/** The limit of the module's options, `undefined` for none (options without a limiter). */
function rootLimit(options: unknown, factory: string): Limit | undefined {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`${factory} takes an options object such as { limiter }; got ${String(options)}`)
  }
  const { globalGuard: _, ...limit } = options as Record<string, unknown>
  if (limit.limiter !== undefined) return makeLimit(limit, factory)
  const extra = Object.keys(limit).filter((name) => limit[name] !== undefined)
  if (extra.length > 0) {
    throw new ConfigError(
      `${factory}: ${extra.join(', ')} need a limiter: pass { limiter } for an app-wide limit, or set these in @RateLimit({ limiter, … })`,
    )
  }
  return undefined
}

/** The method names of a controller's prototype chain, for the limits made at start-up. */
function methodsOf(prototype: object): string[] {
  const names = new Set<string>()
  for (let p: object | null = prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    // Methods only: reading an accessor would run it.
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (name !== 'constructor' && typeof descriptor.value === 'function') names.add(name)
    }
  }
  return [...names]
}
