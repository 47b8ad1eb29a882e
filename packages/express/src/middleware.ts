// The Express middleware: one shared check per request, its outcome sent on the Node response.
import type { Decision } from '@sluice/core'
import {
  applyHeaders,
  type BindingEvents,
  type BindingSpec,
  createRateLimitCheck,
  type HeaderTarget,
  onResponseEnd,
  type RateLimited,
  type RateLimitOutcome,
  type Settle,
} from '@sluice/core/http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { OnLimited, RateLimitOptions } from './options.ts'

declare global {
  // Express's own extension point for request properties (its types merge into this namespace).
  namespace Express {
    interface Request {
      /** The decision of the last sluice `rateLimit` middleware that counted this request. */
      rateLimit?: Decision
    }
  }
}

const spec: BindingSpec<Request> = {
  factory: 'rateLimit',
  // req.ip follows Express's own `trust proxy` setting: X-Forwarded-For counts only when it is set.
  clientAddress: (req) => req.ip,
  clientAddressSource: 'req.ip',
  binding: 'express',
}

/** The middleware, with its event stream (`request`, `refund`: docs/observability.md). */
export type RateLimitMiddleware = RequestHandler & { readonly events: BindingEvents }

/**
 * Express middleware (Express 4 and 5) that rate-limits requests with a sluice limiter.
 *
 * Sends `RateLimit-Policy` / `RateLimit` headers (draft-10) and, on refusal, a 429 with
 * `Retry-After`, `Cache-Control: no-store` and an `application/problem+json` body. The default key
 * is `req.ip` (so it follows `app.set('trust proxy', …)`), IPv6 grouped by `ipv6Subnet` (64).
 * Leaky-bucket delays hold the request up to `maxDelayMs`, at most `maxParked` (1,000) at once; a
 * client that disconnects meanwhile is dropped. A key, cost or address the request makes unusable
 * is a 400 problem body; a throw from your key, cost or skip function and store faults go to
 * `next(err)`, never to a 429. The decision is on `req.rateLimit`. With `skipFailedRequests` or
 * `skipSuccessfulRequests`, an admitted request gives its units back once its response has closed
 * (`requestWasSuccessful(req, res)`, default `res.statusCode < 400`; a client that left first is a
 * failure). `events.on('request' | 'refund', listener)` reports each outcome.
 *
 * @example
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: gcra({ rate: 100, period: '1m' }) })
 * app.use(rateLimit({ limiter }))
 * app.post('/login', rateLimit({ limiter: loginLimiter, key: (req) => req.body.email, policyName: 'login' }), login)
 */
export function rateLimit(options: RateLimitOptions): RateLimitMiddleware {
  const { check, options: resolved, settle, events } = createRateLimitCheck<Request, Response>(options, spec)
  const onLimited = resolved.onLimited as OnLimited | undefined
  function rateLimit(req: Request, res: Response, next: NextFunction): void {
    check(req, closeSignal).then((outcome) => {
      try {
        respond(outcome, req, res, next, onLimited, settle)
      } catch (error) {
        next(error)
      }
    }, next)
  }
  return Object.assign(rateLimit, { events })
}

function respond(
  outcome: RateLimitOutcome,
  req: Request,
  res: Response,
  next: NextFunction,
  onLimited: OnLimited | undefined,
  settle: Settle<Request, Response> | undefined,
): void {
  switch (outcome.action) {
    case 'skip':
      next()
      return
    case 'drop':
      return
    case 'invalid':
      // The request's key, cost, address or descriptors cannot be used: the client's fault, a 400.
      send(res, outcome.invalid)
      return
    case 'allow':
      req.rateLimit = outcome.decision
      applyHeaders(outcome.headers, new ResponseHeaders(res))
      // Counting by outcome: the units go back, or not, once the response has closed.
      if (settle !== undefined) {
        const { decision } = outcome
        onResponseEnd(res, (end) => settle(decision, req, res, end))
      }
      next()
      return
    case 'limit':
      req.rateLimit = outcome.decision
      applyHeaders(outcome.headers, new ResponseHeaders(res))
      if (onLimited === undefined) send(res, outcome.limited)
      else Promise.resolve(onLimited(req, res, next, outcome.limited)).catch(next)
  }
}

/** A response as a header target: a class, so a request costs one small object and no closures. */
class ResponseHeaders implements HeaderTarget {
  readonly #res: Response
  constructor(res: Response) {
    this.#res = res
  }
  get(name: string): unknown {
    return this.#res.getHeader(name)
  }
  set(name: string, value: string): void {
    this.#res.setHeader(name, value)
  }
}

function send(res: Response, problem: Pick<RateLimited, 'status' | 'contentType' | 'body'>): void {
  res.statusCode = problem.status
  res.setHeader('Content-Type', problem.contentType)
  res.setHeader('Content-Length', Buffer.byteLength(problem.body))
  res.end(problem.body)
}

/**
 * Aborts when the client goes away (already aborted if it has): ends a shaping wait early. Asked
 * for only by a request that waits its turn; Express sets `req.res` on every request.
 */
function closeSignal(req: Request): AbortSignal {
  const res = req.res as Response
  const controller = new AbortController()
  if (req.socket.destroyed || res.writableEnded) controller.abort()
  else res.once('close', () => controller.abort())
  return controller.signal
}
