// The example app: sluice's Fastify plugin for every route, per-route options, and a hook stacked on a route.
import { createRateLimiter, fixedWindow, gcra, leakyBucket, type Store } from '@sluice/core'
import { clientAddressKey } from '@sluice/core/http'
import { rateLimit, rateLimitHook } from '@sluice/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

export interface AppOptions {
  /** The limiters' clock (epoch ms). Default: the store's. The tests pass a still one. */
  readonly clock?: () => number
}

/** The example app on any store: the routes and limits the README shows, plugins loaded. */
export async function createApp(store: Store, options: AppOptions = {}): Promise<FastifyInstance> {
  // What every limiter below shares: the store, and the clock when one is given.
  const shared = { store, ...(options.clock === undefined ? {} : { clock: options.clock }) }
  // Behind a reverse proxy, tell Fastify which hops to trust (e.g. TRUST_PROXY=loopback); the rate
  // limiter follows request.ip, so X-Forwarded-For counts only then.
  const app = Fastify({ trustProxy: process.env.TRUST_PROXY ?? false })

  // Every route: 100 requests per minute per client address (IPv6 grouped by /64), GCRA: one more
  // every 0.6 s, bursts up to 100. Awaited, so it sees the routes declared below.
  const api = createRateLimiter({
    ...shared,
    prefix: 'api',
    algorithm: gcra({ rate: 100, period: '1m', name: 'api' }),
  })
  await app.register(rateLimit, { limiter: api })

  app.get('/', async (request) => ({ hello: 'world', remaining: request.rateLimit?.remaining }))

  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }))

  // 3 login attempts per 15 minutes per email (per address when no email is given), on top of the
  // api limit: a hook of the route's own, after the body is parsed.
  const login = createRateLimiter({
    ...shared,
    prefix: 'login',
    algorithm: fixedWindow({ limit: 3, window: '15m' }),
  })
  const loginLimit = rateLimitHook({
    limiter: login,
    policyName: 'login',
    key: (request) => {
      const email = (request.body as { email?: unknown } | undefined)?.email
      return typeof email === 'string' && email !== ''
        ? `email:${email.toLowerCase()}`
        : `ip:${clientAddressKey(request.ip)}`
    },
  })
  app.post('/login', { preHandler: loginLimit }, async (_request, reply) =>
    reply.code(401).send({ error: 'wrong password' }),
  )

  // Uploads have their own budget in place of the api one: one unit per started megabyte, 10 MB
  // per minute, charged from Content-Length before the body is read.
  const upload = createRateLimiter({
    ...shared,
    prefix: 'upload',
    algorithm: fixedWindow({ limit: 10, window: '1m', name: 'upload-mb' }),
  })
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
    let bytes = 0
    payload.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    payload.on('end', () => done(null, bytes))
  })
  app.post(
    '/upload',
    {
      config: {
        rateLimit: {
          limiter: upload,
          cost: (request) => Math.max(1, Math.ceil(Number(request.headers['content-length'] ?? 0) / 1e6)),
        },
      },
    },
    async (request) => ({ stored: request.body }),
  )

  // Shaped: 2 reports per second leave the queue and up to 2 wait, so no wait exceeds 1 s; the
  // third waiting request is refused.
  const reports = createRateLimiter({
    ...shared,
    prefix: 'report',
    algorithm: leakyBucket({ capacity: 2, leakRate: 2, leakInterval: '1s', name: 'report' }),
  })
  app.get('/report', { config: { rateLimit: { limiter: reports, maxDelayMs: '1s' } } }, async (request) => ({
    report: 'ready',
    waitedMs: request.rateLimit?.delayMs,
  }))

  return app
}
