import { createRateLimiter, fixedWindow, gcra, leakyBucket, type Store } from '@sluice/core'
import { clientAddressKey } from '@sluice/core/http'
import { rateLimit } from '@sluice/express'
import express, { type ErrorRequestHandler, type Express } from 'express'

export interface AppOptions {
  /** The limiters' clock (epoch ms). Default: the store's. The tests pass a still one. */
  readonly clock?: () => number
}

/** The example app on any store: the routes and limits the README shows. */
export function createApp(store: Store, options: AppOptions = {}): Express {
  // What every limiter below shares: the store, and the clock when one is given.
  const shared = { store, ...(options.clock === undefined ? {} : { clock: options.clock }) }
  const app = express()
  // Behind a reverse proxy, tell Express which hops to trust (e.g. TRUST_PROXY=loopback); the
  // rate limiter follows req.ip, so X-Forwarded-For counts only then.
  if (process.env.TRUST_PROXY) app.set('trust proxy', process.env.TRUST_PROXY)

  // Every route: 100 requests per minute per client address (IPv6 grouped by /64), GCRA: one
  // more every 0.6 s, bursts up to 100.
  const api = createRateLimiter({
    ...shared,
    prefix: 'api',
    algorithm: gcra({ rate: 100, period: '1m', name: 'api' }),
  })
  app.use(rateLimit({ limiter: api, skip: (req) => req.path === '/health' }))

  app.get('/', (req, res) => {
    res.json({ hello: 'world', remaining: req.rateLimit?.remaining })
  })

  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })

  // 3 login attempts per 15 minutes per email (per address when no email is given).
  const login = createRateLimiter({
    ...shared,
    prefix: 'login',
    algorithm: fixedWindow({ limit: 3, window: '15m' }),
  })
  app.post(
    '/login',
    express.json(),
    rateLimit({
      limiter: login,
      policyName: 'login',
      key: (req) => {
        const email = (req.body as { email?: unknown } | undefined)?.email
        return typeof email === 'string' && email !== ''
          ? `email:${email.toLowerCase()}`
          : `ip:${clientAddressKey(req.ip)}`
      },
    }),
    (_req, res) => {
      res.status(401).json({ error: 'wrong password' })
    },
  )

  // Uploads cost one unit per started megabyte: 10 MB per minute.
  const upload = createRateLimiter({
    ...shared,
    prefix: 'upload',
    algorithm: fixedWindow({ limit: 10, window: '1m', name: 'upload-mb' }),
  })
  app.post(
    '/upload',
    rateLimit({
      limiter: upload,
      cost: (req) => Math.max(1, Math.ceil(Number(req.headers['content-length'] ?? 0) / 1e6)),
    }),
    (req, res) => {
      req.resume()
      req.on('end', () => res.json({ stored: Number(req.headers['content-length'] ?? 0) }))
    },
  )

  // Shaped: 2 reports per second leave the queue and up to 2 wait, so no wait exceeds 1 s; the
  // third waiting request is refused.
  const reports = createRateLimiter({
    ...shared,
    prefix: 'report',
    algorithm: leakyBucket({ capacity: 2, leakRate: 2, leakInterval: '1s', name: 'report' }),
  })
  app.get('/report', rateLimit({ limiter: reports, maxDelayMs: '1s' }), (req, res) => {
    res.json({ report: 'ready', waitedMs: req.rateLimit?.delayMs })
  })

  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(500).json({ error: err.name, message: err.message })
  }
  app.use(onError)
  return app
}
