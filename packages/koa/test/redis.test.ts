import { createRateLimiter, fixedWindow, StoreError } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { Redis } from 'ioredis'
import Koa from 'koa'
import { afterAll, describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { randomPrefix, redisClient } from './support/redis.ts'
import { appErrors, serve } from './support/servers.ts'
import { describeRateLimit } from './support/suite.ts'

const client = redisClient()

describeRateLimit('Koa 3, Redis store', {
  Koa,
  store: () => ioredisStore({ client, prefix: randomPrefix('koa') }),
  full: false,
})

describe('Koa 3, Redis unreachable', () => {
  it("the store's error reaches Koa's error handling, never a 429", async () => {
    const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    down.on('error', () => {})
    afterAll(() => down.disconnect())
    const limiter = createRateLimiter({
      store: ioredisStore({ client: down, timeoutMs: 500 }),
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
    })
    const app = new Koa()
    const errors = appErrors(app)
    app.use(rateLimit({ limiter }))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    const res = await fetch(await serve(app))
    expect(res.status).toBe(500)
    expect(res.headers.get('retry-after')).toBeNull()
    expect(errors[0]).toBeInstanceOf(StoreError)
  })
})
