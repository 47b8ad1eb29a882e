import type { Decision } from '@sluice/core'
import { Hono } from 'hono'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type RateLimitVariables, rateLimit } from '../src/index.ts'
import { perMinute } from './support/limiters.ts'
import { listen } from './support/server.ts'

describe("c.get('rateLimit')", () => {
  it('holds the decision for later handlers, typed', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(10), policyName: 'api' }))
    app.get('/', (c) => {
      const decision = c.get('rateLimit')
      expectTypeOf(decision).toEqualTypeOf<Decision | undefined>()
      expectTypeOf(c.var.rateLimit).toEqualTypeOf<Decision | undefined>()
      return c.json({ remaining: decision?.remaining, limit: decision?.limit, allowed: decision?.allowed })
    })
    const res = await fetch(await listen(app))
    expect(await res.json()).toEqual({ remaining: 9, limit: 10, allowed: true })
  })

  it('is the innermost decision when several run', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(10) }))
    app.get('/', rateLimit({ limiter: perMinute(3) }), (c) => c.json({ limit: c.get('rateLimit')?.limit }))
    expect(await (await fetch(await listen(app))).json()).toEqual({ limit: 3 })
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
    const res = await fetch(await listen(app), { headers: { 'x-user': 'ada' } })
    expect(await res.text()).toBe('4')
    expect((await limiter.peek('user:ada')).remaining).toBe(4)
  })
})
