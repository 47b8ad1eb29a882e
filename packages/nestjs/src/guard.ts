// One limit as Nest runs it: the shared check per request, its refusal thrown as an HttpException.

import type { CanActivate, ExecutionContext } from '@nestjs/common'
import type { Decision } from '@sluice/core'
import { ConfigError } from '@sluice/core'
import {
  applyHeaders,
  type BindingEvents,
  type BindingSpec,
  createRateLimitCheck,
  type NodeResponseLike,
  onResponseEnd,
  type RateLimitCheck,
  type RateLimited,
  type Settle,
} from '@sluice/core/http'
import { RateLimitBadRequestException, RateLimitException } from './exceptions.ts'
import type { HttpRequest, HttpResponse, OnLimited, RateLimitOptions } from './options.ts'
import { closeSignal, type PlatformResponse, problemResponse, ResponseHeaders } from './reply.ts'

/** One configured limit: its per-request check and what it throws when it refuses. */
export interface Limit {
  readonly check: RateLimitCheck<HttpRequest>
  /** Counting by outcome: called once the response has closed (undefined: nothing to give back). */
  readonly settle: Settle<HttpRequest, HttpResponse> | undefined
  readonly events: BindingEvents
  readonly onLimited: OnLimited | undefined
  /** The options it was made from, for `@RateLimit` adjustments of an inherited limit. */
  readonly options: Readonly<Record<string, unknown>>
}

/**
 * Validates `options` (a `ConfigError` naming `factory` when they are wrong) and makes the limit.
 * The default key is the platform request's `ip`: Express's and Fastify's both follow the app's
 * trust-proxy setting, so `X-Forwarded-For` counts only when that says so.
 */
export function makeLimit(options: unknown, factory: string): Limit {
  const spec: BindingSpec<HttpRequest> = {
    factory,
    clientAddress: (req) => req.ip,
    clientAddressSource: 'req.ip',
    binding: 'nestjs',
  }
  const {
    check,
    options: resolved,
    settle,
    events,
  } = createRateLimitCheck<HttpRequest, HttpResponse>(options, spec)
  return {
    check,
    settle,
    events,
    onLimited: resolved.onLimited as OnLimited | undefined,
    options: options as Record<string, unknown>,
  }
}

/** A request whose client left while it waited its turn: nothing more runs and nothing is sent. */
const DROPPED: Promise<boolean> = new Promise<boolean>(() => undefined)

/**
 * Runs `limits` in order for one HTTP request: each that admits it sets its headers and stores its
 * decision on `request.rateLimit`; the first that refuses throws. Any other kind of context (RPC,
 * WebSocket, GraphQL resolvers) passes untouched.
 */
export async function enforce(limits: readonly Limit[], context: ExecutionContext): Promise<boolean> {
  if (limits.length === 0 || context.getType() !== 'http') return true
  const http = context.switchToHttp()
  const req = http.getRequest<HttpRequest & { rateLimit?: Decision }>()
  const res = http.getResponse<PlatformResponse>()
  const signal = () => closeSignal(res)
  for (const limit of limits) {
    const outcome = await limit.check(req, signal)
    switch (outcome.action) {
      case 'skip':
        continue
      case 'drop':
        // Throwing would have a filter answer a socket that is gone, and log it as an error.
        return DROPPED
      case 'invalid':
        // The request's key, cost, address or descriptors cannot be used: the client's fault, a 400.
        problemResponse(res, outcome.invalid.contentType)
        throw new RateLimitBadRequestException(outcome.invalid)
      case 'allow': {
        req.rateLimit = outcome.decision
        applyHeaders(outcome.headers, new ResponseHeaders(res))
        const { settle } = limit
        if (settle !== undefined) {
          const { decision } = outcome
          // Both platforms' objects carry the status; the Node response tells when it closed.
          const raw = ('raw' in res ? res.raw : res) as unknown as NodeResponseLike
          const platform = res as unknown as HttpResponse
          onResponseEnd(raw, (end) => settle(decision, req, platform, end))
        }
        continue
      }
      case 'limit':
        req.rateLimit = outcome.decision
        applyHeaders(outcome.headers, new ResponseHeaders(res))
        if (limit.onLimited !== undefined)
          throw await customRefusal(limit.onLimited, outcome.limited, context)
        problemResponse(res, outcome.limited.contentType)
        throw new RateLimitException(outcome.limited)
    }
  }
  return true
}

/** What `onLimited` made, to throw: it must make something, or the refusal would be an `undefined` 500. */
async function customRefusal(
  onLimited: OnLimited,
  limited: RateLimited,
  context: ExecutionContext,
): Promise<unknown> {
  const error = await onLimited(limited, context)
  if (error === undefined || error === null) {
    throw new ConfigError(
      `onLimited returned ${String(error)}: return (or resolve to) the exception to throw for a refused request, such as new HttpException(body, limited.status)`,
    )
  }
  return error
}

/**
 * A guard of one limit, for `@UseGuards(rateLimit({ … }))` on a controller or handler, or
 * `app.useGlobalGuards(rateLimit({ … }))`: the same limit without `SluiceModule`. Several guards
 * run in the order listed, each adding its policy to the headers.
 *
 * Sends `RateLimit-Policy` / `RateLimit` headers (draft-10) on the response; a refusal is a thrown
 * `RateLimitException` (an `HttpException`, 429) whose response is the problem+json body, sent by
 * Nest's default filter with `Retry-After` and `Cache-Control: no-store`, and seen by your
 * exception filters. A key, cost or address the request makes unusable is a
 * `RateLimitBadRequestException` (400); a throw from your key, cost or skip function and store
 * faults are thrown on as they are (a 500 from the default filter), never a 429. The decision is on
 * `request.rateLimit`.
 *
 * @example
 * const login = createRateLimiter({ store, algorithm: fixedWindow({ limit: 5, window: '1m', name: 'login' }) })
 * \@Post('login')
 * \@UseGuards(rateLimit({ limiter: login, key: (req: Request) => String(req.body.email) }))
 * signIn() {}
 */
export function rateLimit<Req = HttpRequest>(options: RateLimitOptions<Req>): RateLimitGuardOf {
  const limit = makeLimit(options, 'rateLimit')
  const limits = [limit]
  return { canActivate: (context) => enforce(limits, context), events: limit.events }
}

/** The guard `rateLimit(options)` makes, with its event stream (`request`, `refund`). */
export interface RateLimitGuardOf extends CanActivate {
  readonly events: BindingEvents
}
