import type { Decision } from '@sluice/core'
import type { RateLimitBindingOptions, RateLimited } from '@sluice/core/http'
import type { Context, Env } from 'hono'

/**
 * Sends the response of a refused request instead of the default problem+json body, like
 * `bodyLimit`'s `onError`. When it runs, the rate-limit headers, `Retry-After` and
 * `Cache-Control: no-store` are already set (they are kept on whatever `Response` it returns) and
 * `c.get('rateLimit')` holds the decision; `limited` carries the status (`statusCode`, default
 * 429), the default body and the numbers.
 *
 * @example
 * onLimited: (c, limited) => c.text(`slow down, retry in ${limited.retryAfterSeconds} s`, 429)
 */
export type OnLimited<E extends Env = Env> = (
  c: Context<E>,
  limited: RateLimited,
) => Response | Promise<Response>

/**
 * Options of `rateLimit`: the same names as `@sluice/express` and `@sluice/koa`. `key`, `cost` and
 * `skip` receive the Hono context `c`.
 */
// biome-ignore lint/suspicious/noExplicitAny: Hono's own default Env; lets c.get() accept any app's variables
export interface RateLimitOptions<E extends Env = any> extends RateLimitBindingOptions<Context<E>, Response> {
  /** Custom response for a refused request; default an `application/problem+json` body. */
  readonly onLimited?: OnLimited<E>
}

/** The variable `rateLimit()` sets, for apps that type their variables: `new Hono<{ Variables: RateLimitVariables }>()`. */
export interface RateLimitVariables {
  /**
   * The rate-limit decision for this request, set by `rateLimit()` from `@sluice/hono` (the innermost
   * one when several run; unset when `skip` let the request through): `remaining`, `resetAfterMs`,
   * and per limit `policies`.
   */
  rateLimit?: Decision
}

declare module 'hono' {
  interface ContextVariableMap extends RateLimitVariables {}
}
