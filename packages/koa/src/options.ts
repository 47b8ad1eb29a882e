import type { Decision } from '@sluice/core'
import type { RateLimitBindingOptions, RateLimited } from '@sluice/core/http'
import type { DefaultContext, DefaultState, ParameterizedContext, Response } from 'koa'

/**
 * Sends the response of a refused request instead of the default problem+json body. When it runs,
 * the status (`statusCode`, default 429), the rate-limit headers, `Retry-After` and
 * `Cache-Control: no-store` are already set and `ctx.state.rateLimit` holds the decision; set
 * `ctx.body` (and `ctx.status` to change it). `limited` carries the default body and the numbers.
 */
export type OnLimited<Ctx> = (ctx: Ctx, limited: RateLimited) => unknown

/**
 * Options of `rateLimit`: the same names as `@sluice/express` and `@sluice/hono`. `key`, `cost` and
 * `skip` receive the Koa context.
 */
export interface RateLimitOptions<Ctx = ParameterizedContext<DefaultState, DefaultContext>>
  extends RateLimitBindingOptions<Ctx, Response> {
  /** Custom response for a refused request; default an `application/problem+json` body. */
  readonly onLimited?: OnLimited<Ctx>
}

/**
 * What `rateLimit` adds to `ctx.state`. Koa's `DefaultState` already includes it; an app with its
 * own state type adds it: `new Koa<MyState & RateLimitState>()`.
 */
export interface RateLimitState {
  /**
   * The decision of the last sluice `rateLimit` middleware that counted this request (the inner one
   * when several run): `remaining`, `resetAfterMs`, `policy`, and every limit's own numbers in
   * `policies`.
   */
  rateLimit?: Decision
}

declare module 'koa' {
  interface DefaultState extends RateLimitState {}
}
