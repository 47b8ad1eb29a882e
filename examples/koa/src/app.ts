import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { createRateLimiter, fixedWindow, gcra, leakyBucket, type Store } from '@sluice/core'
import { clientAddressKey } from '@sluice/core/http'
import { rateLimit } from '@sluice/koa'
import Koa from 'koa'

export interface AppOptions {
  /** The limiters' clock (epoch ms). Default: the store's. The tests pass a still one. */
  readonly clock?: () => number
}

/** The example app on any store: the routes and limits the README shows. */
export function createApp(store: Store, options: AppOptions = {}): Koa {
  // What every limiter below shares: the store, and the clock when one is given.
  const shared = { store, ...(options.clock === undefined ? {} : { clock: options.clock }) }
  const app = new Koa()
  // Behind a reverse proxy, set TRUST_PROXY=1 (app.proxy) and PROXY_HOPS to the number of proxies
  // (app.maxIpsCount); the rate limiter follows ctx.ip, so X-Forwarded-For counts only then.
  app.proxy = process.env.TRUST_PROXY === '1'
  app.maxIpsCount = Number(process.env.PROXY_HOPS ?? 0)

  // Errors (a store fault, a bad key) end here: a 500 with the reason, and a log line.
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      ctx.status = 500
      ctx.body = { error: (error as Error).name, message: (error as Error).message }
      ctx.app.emit('error', error, ctx)
    }
  })

  // Every route: 100 requests per minute per client address (IPv6 grouped by /64), GCRA: one
  // more every 0.6 s, bursts up to 100.
  const api = createRateLimiter({
    ...shared,
    prefix: 'api',
    algorithm: gcra({ rate: 100, period: '1m', name: 'api' }),
  })
  app.use(rateLimit({ limiter: api, skip: (ctx) => ctx.path === '/health' }))

  const router = new Router()
  router.get('/', (ctx) => {
    ctx.body = { hello: 'world', remaining: ctx.state.rateLimit?.remaining }
  })

  router.get('/health', (ctx) => {
    ctx.body = { ok: true }
  })

  // 3 login attempts per 15 minutes per email (per address when no email is given).
  const login = createRateLimiter({
    ...shared,
    prefix: 'login',
    algorithm: fixedWindow({ limit: 3, window: '15m' }),
  })
  router.post(
    '/login',
    bodyParser(),
    rateLimit({
      limiter: login,
      policyName: 'login',
      key: (ctx) => {
        const email = (ctx.request.body as { email?: unknown } | undefined)?.email
        return typeof email === 'string' && email !== ''
          ? `email:${email.toLowerCase()}`
          : `ip:${clientAddressKey(ctx.ip)}`
      },
    }),
    (ctx) => {
      ctx.status = 401
      ctx.body = { error: 'wrong password' }
    },
  )

  // Uploads cost one unit per started megabyte: 10 MB per minute.
  const upload = createRateLimiter({
    ...shared,
    prefix: 'upload',
    algorithm: fixedWindow({ limit: 10, window: '1m', name: 'upload-mb' }),
  })
  router.post(
    '/upload',
    rateLimit({ limiter: upload, cost: (ctx) => Math.max(1, Math.ceil((ctx.request.length ?? 0) / 1e6)) }),
    async (ctx) => {
      let stored = 0
      for await (const chunk of ctx.req) stored += (chunk as Buffer).length
      ctx.body = { stored }
    },
  )

  // Shaped: 2 reports per second leave the queue and up to 2 wait, so no wait exceeds 1 s; the
  // third waiting request is refused.
  const reports = createRateLimiter({
    ...shared,
    prefix: 'report',
    algorithm: leakyBucket({ capacity: 2, leakRate: 2, leakInterval: '1s', name: 'report' }),
  })
  router.get('/report', rateLimit({ limiter: reports, maxDelayMs: '1s' }), (ctx) => {
    ctx.body = { report: 'ready', waitedMs: ctx.state.rateLimit?.delayMs }
  })

  app.use(router.routes()).use(router.allowedMethods())
  return app
}
