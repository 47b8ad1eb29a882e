// The Hono middleware: one shared check per request, its outcome sent in Hono's terms.
import type { Decision } from '@sluice/core'
import { type BindingEvents, createRateLimitCheck, type ResponseEnd, type Settle } from '@sluice/core/http'
import type { Context, Env, MiddlewareHandler, Next } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { honoSpec } from './clientAddress.ts'
import { keepHeaders, setHeaders } from './headers.ts'
import type { OnLimited, RateLimitOptions } from './options.ts'

/**
 * Hono middleware that limits requests with a sluice limiter: sets the IETF `RateLimit-Policy` and
 * `RateLimit` headers (draft-10; `headers: 'legacy' | 'both' | false` for others), answers a refused
 * request with `statusCode` (429), `Retry-After`, `Cache-Control: no-store` and an
 * `application/problem+json` body (or `onLimited(c, limited)`), holds a shaped request (leaky bucket)
 * for its `delayMs` when that is at most `maxDelayMs` (at most `maxParked`, 1,000, at once), and sets
 * `c.get('rateLimit')` to the decision.
 *
 * The default key is the socket address under @hono/node-server (IPv6 grouped by `ipv6Subnet`, 64;
 * IPv4-mapped, NAT64, 6to4 and Teredo addresses as the IPv4 they carry); `X-Forwarded-For` is never
 * read. Where there is no socket (Cloudflare Workers, Bun.serve, Deno.serve, `app.request()`), pass
 * `key`. Bad options throw a `ConfigError` here. A key or cost the request makes unusable is a 400
 * problem body; a throw from your key, cost or skip function, a request without a client address and
 * a store fault are thrown to `app.onError`, never turned into a 429. Edge-safe: no Node built-ins.
 *
 * @example
 * import { createRateLimiter, fixedWindow } from '@sluice/core'
 * import { memoryStore } from '@sluice/memory'
 * import { rateLimit } from '@sluice/hono'
 *
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: fixedWindow({ limit: 100, window: '1m' }) })
 * app.use(rateLimit({ limiter }))
 * app.post('/login', rateLimit({ limiter: loginLimiter, key: async (c) => (await c.req.json()).email, policyName: 'login' }), login)
 * app.get('/me', (c) => c.json({ left: c.get('rateLimit')?.remaining }))
 */
/** The middleware, with its event stream (`request`, `refund`: docs/observability.md). */
// biome-ignore lint/suspicious/noExplicitAny: Hono's own default, as in MiddlewareHandler
export type RateLimitMiddleware<E extends Env = any> = MiddlewareHandler<E> & {
  readonly events: BindingEvents
}

// biome-ignore lint/suspicious/noExplicitAny: Hono's own default, as in MiddlewareHandler
export function rateLimit<E extends Env = any>(options: RateLimitOptions<E>): RateLimitMiddleware<E> {
  const {
    check,
    options: resolved,
    settle,
    events,
  } = createRateLimitCheck<Context<E>, Response>(options, honoSpec())
  const onLimited = resolved.onLimited as OnLimited<E> | undefined

  const middleware: MiddlewareHandler<E> = async function rateLimit(c, next) {
    const outcome = await check(c, requestSignal)
    switch (outcome.action) {
      case 'skip':
        return next()
      case 'allow': {
        c.set('rateLimit', outcome.decision)
        if (outcome.headers.length === 0 && settle === undefined) return next()
        const written = setHeaders(c, outcome.headers, false)
        // Awaited, not returned: an async function returning a promise takes two more turns.
        if (settle === undefined) await next()
        else await settled(settle, outcome.decision, c, next)
        if (written !== undefined) keepHeaders(c, written)
        return
      }
      case 'limit': {
        const { limited } = outcome
        setHeaders(c, outcome.headers, true)
        c.set('rateLimit', outcome.decision)
        if (onLimited !== undefined) return onLimited(c, limited)
        return c.body(limited.body, limited.status as ContentfulStatusCode, {
          'Content-Type': limited.contentType,
        })
      }
      case 'invalid':
        // The request's key, cost or descriptors cannot be used: the client's fault, a 400.
        return c.body(outcome.invalid.body, outcome.invalid.status, {
          'Content-Type': outcome.invalid.contentType,
        })
      case 'drop':
        // The client went away while waiting its turn: the handler does not run, and nobody reads
        // this response (499: client closed request, for access logs).
        return new Response(null, { status: 499 })
    }
  }
  return Object.assign(middleware, { events })
}

/** Aborts when the client goes away: asked for only by a request that waits its turn. */
/** Runs the rest of the chain, then settles the request on how it ended (counting by outcome). */
async function settled<E extends Env>(
  settle: Settle<Context<E>, Response>,
  decision: Decision,
  c: Context<E>,
  next: Next,
): Promise<void> {
  let end: ResponseEnd = 'threw'
  try {
    await next()
    // Hono's compose catches a handler's throw into c.error (onError made the response).
    if (c.error !== undefined) end = 'threw'
    else end = c.req.raw.signal.aborted ? 'aborted' : c.res.status
  } finally {
    settle(decision, c, c.res, end)
  }
}

function requestSignal(c: Context): AbortSignal {
  return c.req.raw.signal
}
