import { applyHeaders, createRateLimitCheck, type HeaderEntry } from '@sluice/core'
import type { Context, Env, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { honoSpec } from './clientAddress.ts'
import type { OnLimited, RateLimitOptions } from './options.ts'

/**
 * Hono middleware that limits requests with a sluice limiter: sets the IETF `RateLimit-Policy` and
 * `RateLimit` headers (draft-10; `headers: 'legacy' | 'both' | false` for others), answers a refused
 * request with `statusCode` (429), `Retry-After`, `Cache-Control: no-store` and an
 * `application/problem+json` body (or `onLimited(c, limited)`), holds a shaped request (leaky bucket)
 * for its `delayMs` when that is at most `maxDelayMs`, and sets `c.get('rateLimit')` to the decision.
 *
 * The default key is the socket address under @hono/node-server (IPv6 grouped by /64, IPv4-mapped
 * IPv6 as IPv4); `X-Forwarded-For` is never read. Where there is no socket (Cloudflare Workers,
 * Bun.serve, Deno.serve, `app.request()`), pass `key`. Bad options throw a `ConfigError` here; a bad
 * key or cost, a request without a client address and a store fault are thrown to `app.onError`,
 * never turned into a 429. Edge-safe: no Node built-ins.
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
// biome-ignore lint/suspicious/noExplicitAny: Hono's own default, as in MiddlewareHandler
export function rateLimit<E extends Env = any>(options: RateLimitOptions<E>): MiddlewareHandler<E> {
  const { check, options: resolved } = createRateLimitCheck<Context<E>>(options, honoSpec())
  const onLimited = resolved.onLimited as OnLimited<E> | undefined

  return async function rateLimit(c, next) {
    const outcome = await check(c, () => c.req.raw.signal)
    switch (outcome.action) {
      case 'skip':
        return next()
      case 'allow':
        setHeaders(c, outcome.headers)
        c.set('rateLimit', outcome.decision)
        return next()
      case 'limit': {
        const { limited } = outcome
        setHeaders(c, outcome.headers)
        c.set('rateLimit', outcome.decision)
        if (onLimited !== undefined) return onLimited(c, limited)
        return c.body(limited.body, limited.status as ContentfulStatusCode, {
          'Content-Type': limited.contentType,
        })
      }
      case 'drop':
        // The client went away while waiting its turn: the handler does not run, and nobody reads
        // this response (499: client closed request, for access logs).
        return new Response(null, { status: 499 })
    }
  }
}

/**
 * Headers go on `c.res` (not only `c.header`'s prepared headers) so Hono keeps them on any response
 * a later handler returns, even a `new Response()`; list members from several middlewares append.
 */
function setHeaders(c: Context, headers: readonly HeaderEntry[]): void {
  const target = c.res.headers
  applyHeaders(headers, {
    get: (name) => target.get(name),
    set: (name, value) => target.set(name, value),
  })
}
