// The options of the Fastify plugin and of a route's `config.rateLimit`, and what the plugin adds to Fastify's types.
import type { Decision } from '@sluice/core'
import type { RateLimitBindingOptions, RateLimited } from '@sluice/core/http'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Sends the response of a refused request in place of the default `application/problem+json` body,
 * as a route handler would: return the payload, or call `reply.send()` and return `reply`. When it
 * runs, the status (`statusCode`, default 429), the rate-limit headers, `Retry-After` and
 * `Cache-Control: no-store` are already set and `request.rateLimit` holds the decision. A thrown
 * error or rejected promise goes to Fastify's error handler (as a 500).
 */
export type OnLimited = (request: FastifyRequest, reply: FastifyReply, limited: RateLimited) => unknown

/** The lifecycle hooks the limiting can run in. */
export type RateLimitHookName = 'onRequest' | 'preHandler'

/**
 * Options of `rateLimitHook` (and the core of the plugin's): the same names as `@sluice/express`,
 * `@sluice/koa` and `@sluice/hono`. `key`, `cost`, `skip` and `descriptors` receive the Fastify request.
 */
export interface RateLimitHookOptions extends RateLimitBindingOptions<FastifyRequest, FastifyReply> {
  /** Custom response for a refused request. Default: the problem+json body with `statusCode`. */
  readonly onLimited?: OnLimited
}

/** A route's own options, in `config: { rateLimit: … }`: they replace the plugin's, name by name. */
export interface RouteRateLimitOptions extends Partial<RateLimitHookOptions> {
  /**
   * The lifecycle hook that runs the check. Default `'onRequest'`: before the body is read, so a
   * refused request costs no parsing. `'preHandler'` runs after parsing and validation, for a `key`
   * or `cost` that reads `request.body` or what an auth hook set.
   */
  readonly hook?: RateLimitHookName
}

/**
 * Options of the plugin: `app.register(rateLimit, { limiter, … })`. With `global: false` only routes
 * with a `config.rateLimit` object are limited, with these options under theirs (then `limiter` may
 * be given per route).
 */
export type RateLimitOptions =
  | (RateLimitHookOptions & {
      /** The lifecycle hook that runs the check: `'onRequest'` (default) or `'preHandler'`. */
      readonly hook?: RateLimitHookName
      /** `true` (default): every route of the scope is limited unless its `config.rateLimit` is `false`. */
      readonly global?: true
    })
  | (RouteRateLimitOptions & {
      /** `false`: only routes with a `config.rateLimit` object are limited. */
      readonly global: false
    })

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The decision of the last sluice check that counted this request (the route's own when the
     * plugin is registered in several scopes): `remaining`, `resetAfterMs`, `policy`, and every
     * limit's own numbers in `policies`. `undefined` on a route that is not limited.
     */
    rateLimit?: Decision
  }
  interface FastifyContextConfig {
    /** This route's sluice options over the plugin's, or `false` for a route that is never limited. */
    rateLimit?: RouteRateLimitOptions | false
  }
}
