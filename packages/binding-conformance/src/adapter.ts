// The contract between the suite and a binding: how to build its middleware and serve an app with it.
import type { RequestListener } from 'node:http'
import type { Decision } from '@sluice/core'
import type { BindingEvents, RateLimitBindingOptions, RateLimited } from '@sluice/core/http'

/**
 * The options the suite passes to the binding's factory: the names every sluice binding shares,
 * plus an `onLimited` made by the adapter's own `onLimited`.
 */
export interface BindingOptions<Req> extends RateLimitBindingOptions<Req> {
  readonly onLimited?: unknown
}

/** What the suite asks `onLimited` to send: a JSON body, built from the refusal and the decision. */
export type LimitedReply = (limited: RateLimited, decision: Decision | undefined) => Promise<unknown>

/** What the suite's route handler answers: a status and a JSON body. */
export interface HandlerReply {
  readonly status: number
  readonly body: unknown
}

/** One app under test, as the suite describes it to the adapter. */
export interface AppSpec<Middleware> {
  /** The binding's middlewares, in the order they run, in front of the route handler. */
  readonly middlewares: readonly Middleware[]
  /**
   * Turn on the framework's own trusted-proxy setting, trusting the loopback (Express
   * `app.set('trust proxy', 'loopback')`, Koa `app.proxy = true`). Only asked when the adapter
   * says `trustProxy: true`.
   */
  readonly trustProxy: boolean
  /**
   * The route handler, for every method and path: call `handle` with the decision the binding
   * exposes to handlers (`req.rateLimit`, `ctx.state.rateLimit`, `c.get('rateLimit')`), await it
   * and answer its `status` (200, or an error status ≥ 400) with its `body` as JSON. A rejection is the handler's throw: let it
   * reach the framework's error handling (as an async handler's throw does).
   */
  readonly handle: (decision: Decision | undefined) => Promise<HandlerReply>
  /** The framework's own error handler: call `failed` with the error, then answer 500. */
  readonly failed: (error: unknown) => void
}

/**
 * How the suite drives one binding. `Req` is what the binding's `key`, `cost`, `skip` and
 * `descriptors` functions receive (Express `req`, Koa `ctx`, Hono `c`); `Middleware` what its
 * factory returns.
 *
 * @example
 * const adapter: BindingAdapter<Request, RequestHandler> = {
 *   rateLimit: (options) => rateLimit(options as RateLimitOptions),
 *   app: ({ middlewares, trustProxy, handle, failed }) => { … return app },
 *   header: (req, name) => req.get(name),
 *   path: (req) => req.path,
 *   onLimited: (reply) => async (req, res, _next, limited) => {
 *     res.status(limited.status).json(await reply(limited, req.rateLimit))
 *   },
 *   clientAddressSource: 'req.ip',
 *   trustProxy: true,
 * }
 */
export interface BindingAdapter<Req, Middleware> {
  /** The binding's factory: `(options) => rateLimit(options)`. */
  readonly rateLimit: (options: BindingOptions<Req>) => Middleware
  /**
   * A new app with `spec.middlewares` in front of a catch-all handler and the framework's error
   * handler, as a Node request listener (the suite listens on a free loopback port and closes it
   * after the test). Express: the app itself; Koa: `app.callback()`; Hono:
   * `getRequestListener(app.fetch)` from `@hono/node-server`.
   */
  readonly app: (spec: AppSpec<Middleware>) => RequestListener
  /** A request header's value, `undefined` when the request has none. */
  readonly header: (req: Req, name: string) => string | undefined
  /** The request's path, without the query. */
  readonly path: (req: Req) => string
  /**
   * The binding's `onLimited` option, sending `await reply(limited, decision)` as JSON with status
   * `limited.status`; a rejection of `reply` must reach the framework's error handler, as the
   * binding promises for any `onLimited` that throws.
   */
  readonly onLimited: (reply: LimitedReply) => unknown
  /**
   * The middleware's own event stream (`rateLimit(…).events`), for a binding whose factory returns
   * one; omit it where the stream is only passed in (`events` option), as for a Fastify registration.
   */
  readonly events?: (middleware: Middleware) => BindingEvents
  /** How the binding names the client address in its errors: `'req.ip'`, `'ctx.ip'`. */
  readonly clientAddressSource: string
  /**
   * Whether the framework has a trusted-proxy setting through which `X-Forwarded-For` names the
   * client (Express, Koa). False for a binding that only ever reads the socket (Hono).
   */
  readonly trustProxy: boolean
  /**
   * The name the binding's request-time errors begin with (`rateLimit: the key function threw …`).
   * Default `'rateLimit'`; a binding configured some other way (a Nest module) names that.
   */
  readonly factory?: string
  /**
   * The `Content-Type` of its problem bodies. Default `'application/problem+json'`; a framework that
   * adds `; charset=utf-8` to every JSON body it serialises (Nest's Express and Fastify adapters,
   * sending an exception's body) says so here.
   */
  readonly problemContentType?: string
}

/** The problem bodies' content type `adapter` sends. */
export function problemContentType(
  adapter: Pick<BindingAdapter<unknown, unknown>, 'problemContentType'>,
): string {
  return adapter.problemContentType ?? 'application/problem+json'
}
