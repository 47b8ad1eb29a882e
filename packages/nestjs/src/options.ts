// The options of the guard, the decorators and the module: the names every sluice binding shares.

import type { ExecutionContext, FactoryProvider, ModuleMetadata } from '@nestjs/common'
import type { RateLimitBindingOptions, RateLimited } from '@sluice/core/http'

/**
 * The platform request a guard sees: Express's `Request` or Fastify's `FastifyRequest`, whichever
 * adapter the app runs on. Name yours as the type argument (`RateLimit<Request>({ key: … })`).
 */
export interface HttpRequest {
  /** The client address as the platform reports it (Express `req.ip`, Fastify `request.ip`). */
  readonly ip?: string | undefined
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/**
 * Makes the error to throw for a refused request in place of the `RateLimitException`. The
 * rate-limit headers, `Retry-After` and `Cache-Control: no-store` are already set on the response,
 * and `request.rateLimit` holds the decision. What it returns (or resolves to) is thrown, so your
 * exception filters see it; a throw or rejection of its own is thrown in the same way.
 */
/**
 * The platform's response as `requestWasSuccessful(req, res)` gets it: Express `res` or Fastify
 * `reply`, both with the status sent.
 */
export interface HttpResponse {
  readonly statusCode: number
}

export type OnLimited = (limited: RateLimited, context: ExecutionContext) => unknown

/**
 * Options of `rateLimit(options)` and of `@RateLimit(options)` with a limiter: the same names as in
 * `@sluice/express`, `@sluice/koa` and `@sluice/hono`. `key`, `cost`, `skip` and `descriptors`
 * receive the platform request.
 */
export interface RateLimitOptions<Req = HttpRequest> extends RateLimitBindingOptions<Req, HttpResponse> {
  /** The error to throw for a refused request. Default: a `RateLimitException` (429). */
  readonly onLimited?: OnLimited
}

/**
 * `@RateLimit(options)` without a limiter: changes the limits a controller or handler inherits
 * (say `{ cost: 5 }`), each keeping its own limiter.
 */
export type RateLimitAdjustment<Req = HttpRequest> = Partial<RateLimitOptions<Req>> & {
  readonly limiter?: undefined
}

/** Options of `SluiceModule.forRoot`: the limit every route gets, and how the guard is installed. */
export interface SluiceModuleOptions<Req = HttpRequest> extends Partial<RateLimitOptions<Req>> {
  /**
   * Install `RateLimitGuard` for every route of the app (Nest's `APP_GUARD`). Default `true`. With
   * `false`, put `@UseGuards(RateLimitGuard)` where limits apply.
   */
  readonly globalGuard?: boolean
}

/** Options of `SluiceModule.forRootAsync`: a factory of the limit options, with Nest's injection. */
export interface SluiceModuleAsyncOptions<Req = HttpRequest> {
  /** Modules whose providers the factory injects (say `ConfigModule`). */
  readonly imports?: ModuleMetadata['imports']
  /** The providers passed to `useFactory`, in order. */
  readonly inject?: FactoryProvider['inject']
  /** Makes the options of the app-wide limit; return `{}` for none. */
  readonly useFactory: (
    // biome-ignore lint/suspicious/noExplicitAny: the injected values are whatever `inject` names, as in Nest's own FactoryProvider
    ...args: any[]
  ) => Partial<RateLimitOptions<Req>> | Promise<Partial<RateLimitOptions<Req>>>
  /** As in `forRoot`: install the guard app-wide. Default `true`. */
  readonly globalGuard?: boolean
}
