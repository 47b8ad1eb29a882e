// The options of @sluice/fetch's rateLimit: the shared binding options, with request and ctx.

import type { DescriptorRequest } from '@sluice/core'
import type { MaybePromise, RateLimitBindingOptions, RateLimited } from '@sluice/core/http'
import type { IpHeader } from './ipHeader.ts'

/**
 * Sends the response of a refused request instead of the default problem+json body. Whatever it
 * returns gets the rate-limit headers, `Retry-After` and `Cache-Control: no-store` (a header it sets
 * itself wins); `limited` carries the status (`statusCode`, default 429), the default body, the
 * numbers and the decision.
 *
 * @example
 * onLimited: (request, limited) => new Response(`slow down, retry in ${limited.retryAfterSeconds} s`, { status: limited.status })
 */
export type OnLimited<Ctx = unknown> = (
  request: Request,
  limited: RateLimited,
  ctx: Ctx,
) => Response | Promise<Response>

/** The options every binding shares, less the functions, which here also receive `ctx`. */
type Shared = Omit<
  RateLimitBindingOptions<Request, Response>,
  'key' | 'cost' | 'skip' | 'descriptors' | 'requestWasSuccessful'
>

/**
 * Options of `rateLimit` and `withRateLimit`: the same names as `@sluice/express`, `@sluice/koa` and
 * `@sluice/hono`. The functions receive the `Request` and `ctx`, the second argument the runtime
 * passes the handler (Bun's `server`, Deno's `info`, a Worker's `env`, Next.js's `{ params }`), or
 * the one given to `check(request, ctx)`.
 *
 * Who the client is must be said, one of three ways: `key`, `ipHeader` or `clientAddress` (with a
 * rules limiter, `descriptors` instead). No header is ever read by default: a client can write any
 * header the platform in front does not overwrite.
 */
export interface RateLimitOptions<Ctx = unknown> extends Shared {
  /**
   * Who is limited: a non-empty string per request, such as an authenticated user id or an API key.
   * A returned value that is not a usable key (`''`, not a string, too long) is answered 400; a throw
   * rejects the check.
   */
  readonly key?: (request: Request, ctx: Ctx) => MaybePromise<string>
  /**
   * The client's IP address from the header your platform sets, grouped like a socket address (IPv6
   * by `ipv6Subnet`): see `IpHeader` for the list and for which place of a list is read. Use it only
   * behind that platform: anywhere else the client writes the header. A request without it rejects
   * the check (the deployment is not what the option says); a value that is not an IP is a 400.
   */
  readonly ipHeader?: IpHeader
  /**
   * The client's IP address as the runtime knows it, grouped by `ipv6Subnet`: Bun
   * `(request, server) => server.requestIP(request)?.address`, Deno
   * `(request, info) => info.remoteAddr.hostname`. `undefined` rejects the check; a value that is not
   * an IP is a 400.
   */
  readonly clientAddress?: (request: Request, ctx: Ctx) => string | undefined
  /** Units this request takes: a non-negative integer, or a function returning one. Default 1. */
  readonly cost?: number | ((request: Request, ctx: Ctx) => MaybePromise<number>)
  /** Return true to let a request through without counting it or adding headers. */
  readonly skip?: (request: Request, ctx: Ctx) => MaybePromise<boolean>
  /** With a rules limiter: what this request is, as descriptors (identity included). */
  readonly descriptors?: (request: Request, ctx: Ctx) => MaybePromise<DescriptorRequest['descriptors']>
  /**
   * Whether the handler's `Response` counts as a success, for `skipFailedRequests` /
   * `skipSuccessfulRequests`; may be async. Default `response.status < 400`. Only `withRateLimit`
   * sees the response: the plain check (`rateLimit(…)(request)`) takes without giving back.
   */
  readonly requestWasSuccessful?: (request: Request, response: Response) => MaybePromise<boolean>
  /** Custom response for a refused request; default an `application/problem+json` body. */
  readonly onLimited?: OnLimited<Ctx>
}
