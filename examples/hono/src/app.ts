import { createRateLimiter, fixedWindow, leakyBucket, type Store } from '@sluice/core'
import { rateLimit } from '@sluice/hono'
import { Hono } from 'hono'

/**
 * The example app on any store:
 * - every route: 20 requests per minute per client address (policy `api`);
 * - `POST /login`: also 3 attempts per minute per e-mail address (policy `login`);
 * - `GET /report`: shaped by a leaky bucket, 2 per second with up to 3 waiting (policy `report`):
 *   a request waits up to 1.5 s for its turn, and `maxDelayMs: 1500` guarantees no longer. The
 *   bucket is sized so that its longest queue fits `maxDelayMs`: a request refused for waiting too
 *   long would still hold its place in the queue.
 * `prefix` namespaces the limiters' keys in the store; `clock` (epoch ms) replaces the store's (the
 * tests pass a still one).
 */
export function createApp(
  store: Store,
  { prefix = 'example', clock }: { readonly prefix?: string; readonly clock?: () => number } = {},
): Hono {
  // What every limiter below shares: the store, and the clock when one is given.
  const shared = { store, ...(clock === undefined ? {} : { clock }) }
  const api = createRateLimiter({
    ...shared,
    prefix: `${prefix}-api`,
    algorithm: fixedWindow({ limit: 20, window: '1m' }),
  })
  const login = createRateLimiter({
    ...shared,
    prefix: `${prefix}-login`,
    algorithm: fixedWindow({ limit: 3, window: '1m' }),
  })
  const report = createRateLimiter({
    ...shared,
    prefix: `${prefix}-report`,
    algorithm: leakyBucket({ capacity: 3, leakRate: 2, leakInterval: '1s' }),
  })

  const app = new Hono()
  app.use(rateLimit({ limiter: api, policyName: 'api' }))

  app.get('/', (c) => {
    const decision = c.get('rateLimit')
    return c.json({ hello: 'world', remaining: decision?.remaining, resetAfterMs: decision?.resetAfterMs })
  })

  app.post(
    '/login',
    rateLimit({
      limiter: login,
      policyName: 'login',
      key: async (c) => {
        const body = await c.req.json<{ email?: unknown }>().catch(() => ({ email: undefined }))
        return typeof body.email === 'string' && body.email !== ''
          ? `email:${body.email.toLowerCase()}`
          : 'email:none'
      },
    }),
    async (c) => {
      const { email } = await c.req.json<{ email?: string }>().catch(() => ({ email: undefined }))
      return c.json({ loggedIn: false, email, attemptsLeft: c.get('rateLimit')?.remaining })
    },
  )

  app.get('/report', rateLimit({ limiter: report, policyName: 'report', maxDelayMs: 1500 }), (c) =>
    c.json({ report: 'ready', waitedMs: c.get('rateLimit')?.delayMs }),
  )

  app.onError((err, c) => {
    console.error(err)
    return c.json({ error: err.name, message: err.message }, 500)
  })
  return app
}
