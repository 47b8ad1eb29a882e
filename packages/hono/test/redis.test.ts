import { createRateLimiter, fixedWindow, leakyBucket, StoreError } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { errorRecorder } from './support/limiters.ts'
import { randomPrefix, redisClient } from './support/redis.ts'
import { listen, rawRequest } from './support/server.ts'

// The main behaviours once more with state in a real redis-server (ioredis store, Lua scripts).
const client = redisClient()
const NOW = 1_700_000_058_000 // 18 s into a minute

function redisLimiter(limit: number, clock?: () => number) {
  return createRateLimiter({
    store: ioredisStore({ client, prefix: randomPrefix() }),
    algorithm: fixedWindow({ limit, window: '1m' }),
    clock,
  })
}

function hello(app: Hono): Hono {
  app.get('/', (c) => c.json({ remaining: c.get('rateLimit')?.remaining ?? null }))
  return app
}

describe('on the Redis store', () => {
  it('sends the draft-10 headers, then a problem+json 429 with Retry-After and Cache-Control', async () => {
    const base = await listen(
      hello(new Hono().use(rateLimit({ limiter: redisLimiter(2, () => NOW), policyName: 'api' }))),
    )
    const first = await rawRequest(base, '/')
    expect(first.header('ratelimit-policy')).toBe('"api";q=2;w=60')
    expect(first.header('ratelimit')).toBe('"api";r=1;t=42')
    expect(JSON.parse(first.body)).toEqual({ remaining: 1 })
    await rawRequest(base, '/')
    const refused = await rawRequest(base, '/')
    expect(refused.statusLine).toBe('HTTP/1.1 429 Too Many Requests')
    expect(refused.header('ratelimit')).toBe('"api";r=0;t=42')
    expect(refused.header('retry-after')).toBe('42')
    expect(refused.header('cache-control')).toBe('no-store')
    expect(refused.header('content-type')).toBe('application/problem+json')
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, 'violated-policies': ['api'] })
  })

  it('two servers on one Redis share a client budget', async () => {
    const limiter = redisLimiter(3)
    const a = await listen(hello(new Hono().use(rateLimit({ limiter }))))
    const b = await listen(hello(new Hono().use(rateLimit({ limiter }))))
    const statuses = []
    for (const base of [a, b, a, b]) statuses.push((await fetch(base)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
  })

  it('two middlewares on one route add two list members', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: redisLimiter(100, () => NOW), policyName: 'api' }))
    app.get('/login', rateLimit({ limiter: redisLimiter(5, () => NOW), policyName: 'login' }), (c) =>
      c.text('ok'),
    )
    const res = await rawRequest(await listen(app), '/login')
    expect(res.header('ratelimit')).toBe('"api";r=99;t=42, "login";r=4;t=42')
    expect(res.header('ratelimit-policy')).toBe('"api";q=100;w=60, "login";q=5;w=60')
  })

  it('key, cost and skip; a spoofed X-Forwarded-For changes nothing', async () => {
    const limiter = redisLimiter(5)
    const app = new Hono()
    app.use(
      rateLimit({
        limiter,
        cost: (c) => Number(c.req.query('cost') ?? 1),
        skip: (c) => c.req.path === '/free',
      }),
    )
    app.get('/free', (c) => c.text('free'))
    const base = await listen(hello(app))
    expect((await fetch(`${base}/free`)).headers.has('ratelimit')).toBe(false)
    await fetch(`${base}/?cost=3`, { headers: { 'X-Forwarded-For': '203.0.113.1' } })
    const res = await fetch(base, { headers: { 'X-Forwarded-For': '203.0.113.2' } })
    expect(await res.json()).toEqual({ remaining: 1 })
    expect((await limiter.peek('127.0.0.1')).remaining).toBe(1)

    const byUser = redisLimiter(1)
    const keyed = await listen(
      hello(new Hono().use(rateLimit({ limiter: byUser, key: (c) => c.req.header('x-user') ?? 'anon' }))),
    )
    const send = (user: string) => fetch(keyed, { headers: { 'x-user': user } }).then((r) => r.status)
    expect([await send('a'), await send('b'), await send('a')]).toEqual([200, 200, 429])
  })

  it('shapes with a leaky bucket', async () => {
    const limiter = createRateLimiter({
      store: ioredisStore({ client, prefix: randomPrefix() }),
      // A long interval, so all three arrive within one turn even on a loaded machine.
      algorithm: leakyBucket({ capacity: 1, leakRate: 1, leakInterval: 1000 }),
    })
    // When each request ran (ms after they were sent) and the delay Redis gave it.
    const ran: { delayMs: number; atMs: number }[] = []
    let sent = 0
    const app = new Hono()
    app.use(rateLimit({ limiter }))
    app.get('/', (c) => {
      ran.push({ delayMs: c.get('rateLimit')?.delayMs ?? -1, atMs: performance.now() - sent })
      return c.text('ok')
    })
    const base = await listen(app)
    sent = performance.now()
    const statuses = await Promise.all(
      [fetch(base), fetch(base), fetch(base)].map((p) => p.then((r) => r.status)),
    )
    expect(statuses.sort()).toEqual([200, 200, 429])
    // Redis's own clock decides, so the second turn is up to 1 s away (less the time between
    // arrivals); it was held at least that long (less the clocks' rounding), however slow the machine.
    const [first, second] = ran.sort((a, b) => a.delayMs - b.delayMs)
    expect(first?.delayMs).toBe(0)
    expect(second?.delayMs).toBeGreaterThan(0)
    expect(second?.delayMs).toBeLessThanOrEqual(1000)
    expect(second?.atMs).toBeGreaterThanOrEqual((second?.delayMs ?? 0) - 5)
  })

  it('a Redis that does not answer is a StoreError for app.onError, not a 429', async () => {
    const down = redisClient({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    const limiter = createRateLimiter({
      store: ioredisStore({ client: down, timeoutMs: 200 }),
      algorithm: fixedWindow({ limit: 5, window: '1m' }),
    })
    const { errors, onError } = errorRecorder()
    const app = hello(new Hono().use(rateLimit({ limiter })))
    app.onError(onError)
    const res = await fetch(await listen(app))
    expect(res.status).toBe(500)
    expect(res.headers.has('retry-after')).toBe(false)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(StoreError)
  })
})
