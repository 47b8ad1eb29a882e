// The example app: a plain fetch handler with three routes, each limited by @sluice/fetch.
import { createRateLimiter, fixedWindow, leakyBucket, type Store } from '@sluice/core'
import { getRateLimit, type RateLimitOptions, rateLimit } from '@sluice/fetch'

/** What @hono/node-server passes a fetch handler beside the request: its socket has the peer address. */
export interface NodeEnv {
  readonly incoming: { readonly socket: { readonly remoteAddress?: string | undefined } }
}

/** How the runtime names the client: `clientAddress` (Node, Bun, Deno) or `ipHeader` (a platform's). */
export type Identity<Ctx> = Pick<RateLimitOptions<Ctx>, 'clientAddress' | 'ipHeader'>

/**
 * The example app on any store and any fetch runtime:
 * - every route: 20 requests per minute per client address (policy `api`);
 * - `POST /login`: also 3 attempts per minute per e-mail address (policy `login`, read from a clone
 *   of the JSON body, so the handler can still read it);
 * - `GET /report`: shaped by a leaky bucket, 2 per second with up to 3 waiting (policy `report`): a
 *   request waits up to 1.5 s for its turn, and `maxDelayMs: 1500` guarantees no longer.
 * `prefix` namespaces the limiters' keys in the store; `clock` (epoch ms) replaces the store's (the
 * tests pass a still one).
 */
export function createApp<Ctx>(
  store: Store,
  identity: Identity<Ctx>,
  { prefix = 'example', clock }: { readonly prefix?: string; readonly clock?: () => number } = {},
): (request: Request, ctx: Ctx) => Promise<Response> {
  const limiter = (name: string, algorithm: Parameters<typeof createRateLimiter>[0]['algorithm']) =>
    createRateLimiter({
      store,
      prefix: `${prefix}-${name}`,
      algorithm,
      ...(clock === undefined ? {} : { clock }),
    })
  const api = rateLimit<Ctx>({
    limiter: limiter('api', fixedWindow({ limit: 20, window: '1m' })),
    policyName: 'api',
    ...identity,
  })
  const login = rateLimit<Ctx>({
    limiter: limiter('login', fixedWindow({ limit: 3, window: '1m' })),
    policyName: 'login',
    key: async (request) => {
      const body = (await request
        .clone()
        .json()
        .catch(() => ({}))) as { email?: unknown }
      return typeof body.email === 'string' && body.email !== ''
        ? `email:${body.email.toLowerCase()}`
        : 'email:none'
    },
  })
  const report = rateLimit<Ctx>({
    limiter: limiter('report', leakyBucket({ capacity: 3, leakRate: 2, leakInterval: '1s' })),
    policyName: 'report',
    maxDelayMs: 1500,
    ...identity,
  })

  const routes: Record<string, (request: Request, ctx: Ctx) => Promise<Response>> = {
    'GET /': async (request) => {
      const decision = getRateLimit(request)
      return Response.json({
        hello: 'world',
        remaining: decision?.remaining,
        resetAfterMs: decision?.resetAfterMs,
      })
    },
    'POST /login': login.withRateLimit(async (request: Request, _ctx: Ctx) => {
      const { email } = (await request.json().catch(() => ({}))) as { email?: string }
      return Response.json({ loggedIn: false, email, attemptsLeft: getRateLimit(request)?.remaining })
    }),
    'GET /report': report.withRateLimit(async (request: Request, _ctx: Ctx) =>
      Response.json({ report: 'ready', waitedMs: getRateLimit(request)?.delayMs }),
    ),
  }

  const app = api.withRateLimit(async (request: Request, ctx: Ctx) => {
    const route = routes[`${request.method} ${new URL(request.url).pathname}`]
    return route === undefined ? Response.json({ error: 'not found' }, { status: 404 }) : route(request, ctx)
  })
  // The runtime's own error handling: a store fault or a throw from a key function lands here.
  return (request, ctx) =>
    app(request, ctx).catch((error: Error) => {
      console.error(error)
      return Response.json({ error: error.name, message: error.message }, { status: 500 })
    })
}
