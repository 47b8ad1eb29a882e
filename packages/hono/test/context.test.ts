// What only Hono has: c.get('rateLimit') and its types, and responses a handler or onError builds itself.

import { getRequestListener } from '@hono/node-server'
import { listen } from '@sluice/binding-conformance'
import type { Decision } from '@sluice/core'
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type RateLimitVariables, rateLimit } from '../src/index.ts'

// 18 s into a minute: a 1-minute window resets in 42 s.
const NOW = 1_700_000_058_000
const perMinute = (limit: number) =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m' }),
    clock: () => NOW,
  })
// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its Env
const serve = (app: Hono<any>) => listen(getRequestListener(app.fetch))

it('rateLimit() returns a named Hono middleware, async function rateLimit(c, next)', () => {
  const middleware = rateLimit({ limiter: perMinute(1) })
  expect(middleware.name).toBe('rateLimit')
  expect(middleware.length).toBe(2)
  expect(middleware.constructor.name).toBe('AsyncFunction')
})

describe("c.get('rateLimit')", () => {
  it('is typed for every app', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(10) }))
    app.get('/', (c) => {
      expectTypeOf(c.get('rateLimit')).toEqualTypeOf<Decision | undefined>()
      expectTypeOf(c.var.rateLimit).toEqualTypeOf<Decision | undefined>()
      return c.text(String(c.var.rateLimit?.remaining))
    })
    expect(await (await fetch(await serve(app))).text()).toBe('9')
  })

  it('works with an app that types its own variables, and key(c) sees them', async () => {
    type AppEnv = { Variables: RateLimitVariables & { user: string } }
    const app = new Hono<AppEnv>()
    app.use(async (c, next) => {
      c.set('user', c.req.header('x-user') ?? 'guest')
      await next()
    })
    const limiter = perMinute(5)
    app.use(rateLimit<AppEnv>({ limiter, key: (c) => `user:${c.get('user')}` }))
    app.get('/', (c) => {
      expectTypeOf(c.var.rateLimit).toEqualTypeOf<Decision | undefined>()
      return c.text(String(c.var.rateLimit?.remaining))
    })
    const res = await fetch(await serve(app), { headers: { 'x-user': 'ada' } })
    expect(await res.text()).toBe('4')
    expect((await limiter.peek('user:ada')).remaining).toBe(4)
  })
})

describe('responses the handler builds itself keep the rate-limit headers', () => {
  it('a bare Response, behind two middlewares: both list members', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(100), policyName: 'api' }))
    app.get('/', rateLimit({ limiter: perMinute(3), policyName: 'route' }), () => new Response('raw'))
    const res = await fetch(await serve(app))
    expect(await res.text()).toBe('raw')
    expect(res.headers.get('ratelimit')).toBe('"api";r=99;t=42, "route";r=2;t=42')
  })

  it('a Response with immutable headers (as fetch() returns) keeps its body and gains the headers', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3) }))
    app.get('/', () => Response.redirect('http://127.0.0.1/elsewhere', 302))
    const res = await fetch(await serve(app), { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('http://127.0.0.1/elsewhere')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
  })

  it('an app.onError response built as a bare Response', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3) }))
    app.get('/', () => {
      throw new Error('boom')
    })
    app.onError(() => new Response('failed', { status: 500 }))
    const res = await fetch(await serve(app))
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('failed')
    expect(res.headers.get('ratelimit-policy')).toBe('"fixedWindow:3/1m";q=3;w=60')
  })

  it("beside the handler's own headers", async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3) }))
    app.get('/', (c) => c.json({ ok: true }, 201, { 'X-Request-Id': 'abc' }))
    const res = await fetch(await serve(app))
    expect(res.status).toBe(201)
    expect(res.headers.get('x-request-id')).toBe('abc')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
  })
})
