import type { RateLimitBindingOptions, RateLimited } from '@sluice/core/http'
import type { NextFunction, Request, Response } from 'express'

/**
 * Sends the response of a refused request in place of the default `application/problem+json`
 * body. The rate-limit headers, `Retry-After` and `Cache-Control: no-store` are already set, and
 * `req.rateLimit` holds the decision. A thrown error or rejected promise goes to `next(err)`.
 */
export type OnLimited = (
  req: Request,
  res: Response,
  next: NextFunction,
  limited: RateLimited,
) => void | Promise<void>

/** Options of `rateLimit`: the same names in `@sluice/express`, `@sluice/koa` and `@sluice/hono`. */
export interface RateLimitOptions extends RateLimitBindingOptions<Request, Response> {
  /** Custom response for a refused request. Default: the problem+json body with `statusCode`. */
  readonly onLimited?: OnLimited
}
