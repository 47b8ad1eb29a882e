// The fetch-standard binding: one shared check per request, answered with a Response or null.
import { ConfigError } from '@sluice/core'
import {
  type BindingEvents,
  createRateLimitCheck,
  type RateLimitOutcome,
  type ResponseEnd,
} from '@sluice/core/http'
import { Call, identitySpec } from './identity.ts'
import type { OnLimited, RateLimitOptions } from './options.ts'
import { finish, record } from './state.ts'

/** A handler of the fetch standard: `Request` in, `Response` out, plus what the runtime passes. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime's extra arguments (server, env, ctx) are the handler's own
export type FetchHandler<Rest extends unknown[] = any[]> = (
  request: Request,
  ...rest: Rest
) => Response | Promise<Response>

/**
 * What `rateLimit()` returns: `check(request, ctx?)`, resolving to the refusal `Response` (429,
 * a 503 under `onStoreError: 'deny'`, a 400 for unusable input) or `null` to go on, and carrying
 * itself as `.check` and `.withRateLimit(handler)`.
 */
export interface RateLimit<Ctx = unknown> {
  (request: Request, ctx?: Ctx): Promise<Response | null>
  /** The function itself, for `const { check } = rateLimit(…)`. */
  readonly check: RateLimit<Ctx>
  /**
   * Wraps a handler: a refused request gets the refusal, an admitted one the handler's `Response`
   * with the rate-limit headers added (on a copy when its headers are immutable). The handler's
   * second argument is the `ctx` the options' functions receive.
   */
  withRateLimit<Rest extends unknown[]>(
    handler: FetchHandler<Rest>,
  ): (request: Request, ...rest: Rest) => Promise<Response>
  /** The event stream of this limit (`request`, `refund`: docs/observability.md). */
  readonly events: BindingEvents
}

/**
 * Rate limits for any runtime with `Request` and `Response` (Next.js, Bun, Deno, Cloudflare
 * Workers, Vercel Edge): the same HTTP behaviour as every sluice binding. A refused request gets
 * `statusCode` (429) with `Retry-After`, `Cache-Control: no-store` and an
 * `application/problem+json` body (or `onLimited`'s response); every answer carries the IETF
 * `RateLimit-Policy` and `RateLimit` headers (draft-10; `headers: 'legacy' | 'both' | false` for
 * others). A shaped request (leaky bucket) waits its turn when its `delayMs` is at most `maxDelayMs`
 * (at most `maxParked`, 1,000, at once) and is dropped when `request.signal` aborts.
 *
 * Who the client is must be said: `key`, `ipHeader` (a header your platform sets, from a closed
 * list) or `clientAddress` (the runtime's peer address); none is a `ConfigError`, as is any bad
 * option. A key, cost or address the request makes unusable is a 400 problem body; a throw from
 * your functions, a request without the client address, and a store fault reject the check, never
 * a 429. Edge-safe: no Node built-ins.
 *
 * @example
 * import { createRateLimiter, fixedWindow } from '@sluice/core'
 * import { memoryStore } from '@sluice/memory'
 * import { rateLimit } from '@sluice/fetch'
 *
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: fixedWindow({ limit: 100, window: '1m' }) })
 * const limit = rateLimit({ limiter, ipHeader: 'cf-connecting-ip' })
 * export default { fetch: limit.withRateLimit((request) => new Response('hello')) }
 * // or, step by step: const refused = await limit(request); if (refused) return refused
 */
export function rateLimit<Ctx = unknown>(options: RateLimitOptions<Ctx>): RateLimit<Ctx> {
  const spec = identitySpec<Ctx>(options, 'rateLimit')
  const {
    check: decide,
    options: resolved,
    settle,
    events,
  } = createRateLimitCheck<Call<Ctx>, Response>(withCall(options), spec)
  const onLimited = resolved.onLimited as OnLimited<Ctx> | undefined

  async function check(request: Request, ctx?: Ctx): Promise<Response | null> {
    const call = new Call(request, ctx as Ctx)
    return answer(call, await decide(call, requestSignal))
  }

  async function answer(call: Call<Ctx>, outcome: RateLimitOutcome): Promise<Response | null> {
    const { request } = call
    switch (outcome.action) {
      case 'skip':
        return null
      case 'allow':
        record(request, outcome.decision, outcome.headers)
        return null
      case 'limit': {
        const { limited } = outcome
        record(request, outcome.decision, outcome.headers)
        const response =
          onLimited === undefined
            ? new Response(limited.body, {
                status: limited.status,
                headers: { 'Content-Type': limited.contentType },
              })
            : responseOf(await onLimited(request, limited, call.ctx), 'onLimited')
        return finish(request, response)
      }
      case 'invalid':
        // The request's key, cost, address or descriptors cannot be used: the client's fault, a 400.
        return finish(
          request,
          new Response(outcome.invalid.body, {
            status: outcome.invalid.status,
            headers: { 'Content-Type': outcome.invalid.contentType },
          }),
        )
      case 'drop':
        // The client went away while waiting its turn: nobody reads this (499, for access logs).
        return new Response(null, { status: 499 })
    }
  }

  function withRateLimit<Rest extends unknown[]>(handler: FetchHandler<Rest>) {
    checkHandler(handler, 'rateLimit(…).withRateLimit')
    return async function withRateLimit(request: Request, ...rest: Rest): Promise<Response> {
      const call = new Call(request, rest[0] as Ctx)
      const outcome = await decide(call, requestSignal)
      const refused = await answer(call, outcome)
      if (refused !== null) return refused
      if (settle === undefined || outcome.action !== 'allow') {
        return finish(request, responseOf(await handler(request, ...rest), 'the handler'))
      }
      // Counting by outcome: the units go back, or not, once the handler has answered.
      let end: ResponseEnd = 'threw'
      let response: Response | undefined
      try {
        response = responseOf(await handler(request, ...rest), 'the handler')
        end = request.signal.aborted ? 'aborted' : response.status
        return finish(request, response)
      } finally {
        settle(outcome.decision, call, response as Response, end)
      }
    }
  }

  return Object.assign(check, { check, withRateLimit, events }) as RateLimit<Ctx>
}

/**
 * Wraps a fetch handler in a rate limit: the one-liner for `rateLimit(options).withRateLimit(handler)`.
 *
 * @example
 * Bun.serve({ fetch: withRateLimit((request) => new Response('ok'), { limiter, clientAddress: (request, server) => server.requestIP(request)?.address }) })
 */
export function withRateLimit<Ctx = unknown, Rest extends unknown[] = [Ctx?, ...unknown[]]>(
  handler: FetchHandler<Rest>,
  options: RateLimitOptions<Ctx>,
): (request: Request, ...rest: Rest) => Promise<Response> {
  checkHandler(handler, 'withRateLimit')
  return rateLimit(options).withRateLimit(handler)
}

/** The user's functions take `(request, ctx)`; core hands them the `Call` it was given. */
function withCall(options: unknown): unknown {
  if (typeof options !== 'object' || options === null) return options
  const o = { ...(options as Record<string, unknown>) }
  for (const name of ['key', 'cost', 'skip', 'descriptors', 'requestWasSuccessful'] as const) {
    const fn = o[name]
    // Anything else is left for core to refuse with its message.
    if (typeof fn === 'function') {
      // requestWasSuccessful gets the handler's Response, the others the runtime's ctx.
      o[name] =
        name === 'requestWasSuccessful'
          ? (call: Call<unknown>, response: Response) => fn(call.request, response)
          : (call: Call<unknown>) => fn(call.request, call.ctx)
    }
  }
  return o
}

/** Aborts when the client goes away: asked for only by a request that waits its turn. */
function requestSignal(call: Call<unknown>): AbortSignal {
  return call.request.signal
}

function checkHandler(handler: unknown, name: string): void {
  if (typeof handler !== 'function') {
    throw new ConfigError(
      `${name} takes the handler to wrap, (request, ...rest) => Response, got ${typeof handler}`,
    )
  }
}

/** A response from the app's code, checked: anything else would fail later, far from its cause. */
function responseOf(value: unknown, from: string): Response {
  if (typeof (value as Response | null)?.headers?.has !== 'function') {
    throw new TypeError(
      `@sluice/fetch: ${from} must return a Response, got ${value === null ? 'null' : typeof value}`,
    )
  }
  return value as Response
}
