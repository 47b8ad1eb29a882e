// What only Koa has: @koa/router, ctx.state's types, and the close listener of a shaping wait.
import Router from '@koa/router'
import { listen } from '@sluice/binding-conformance'
import { type Algorithm, createRateLimiter, type Decision, fixedWindow, leakyBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import Koa, { type DefaultContext, type ParameterizedContext } from 'koa'
import Koa2 from 'koa2'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type RateLimitState, rateLimit } from '../src/index.ts'

const limiterOf = (algorithm: Algorithm = fixedWindow({ limit: 2, window: '1m' }), clock?: () => number) =>
  createRateLimiter({ store: memoryStore(), algorithm, ...(clock === undefined ? {} : { clock }) })

it('rateLimit() returns a named Koa middleware of two parameters', () => {
  expect(rateLimit({ limiter: limiterOf() }).name).toBe('rateLimit')
  expect(rateLimit({ limiter: limiterOf() }).length).toBe(2)
})

describe.each([
  { version: 'Koa 3', Koa },
  { version: 'Koa 2', Koa: Koa2 },
])('Koa specifics on $version', ({ Koa }) => {
  it('@koa/router: a route limiter adds its members after the app-wide one; ctx.state holds the inner decision', async () => {
    const app = new Koa()
    const router = new Router()
    app.use(rateLimit({ limiter: limiterOf(fixedWindow({ limit: 10, window: '1m' })), policyName: 'global' }))
    const login = limiterOf(fixedWindow({ limit: 2, window: '1h' }))
    router.post('/login', rateLimit({ limiter: login, policyName: 'login' }), (ctx) => {
      ctx.body = { remaining: ctx.state.rateLimit?.remaining, limit: ctx.state.rateLimit?.limit }
    })
    app.use(router.routes())
    const res = await fetch(`${await listen(app.callback())}/login`, { method: 'POST' })
    expect(res.headers.get('ratelimit-policy')).toBe('"global";q=10;w=60, "login";q=2;w=3600')
    expect(res.headers.get('ratelimit')).toMatch(/^"global";r=9;t=\d+, "login";r=1;t=\d+$/)
    expect(await res.json()).toEqual({ remaining: 1, limit: 2 })
  })

  it('ctx.state.rateLimit is typed through DefaultState, and RateLimitState for an own state type', async () => {
    interface MyState {
      user?: string
    }
    const app = new Koa<MyState & RateLimitState>()
    app.use(rateLimit({ limiter: limiterOf(), key: (ctx) => ctx.state.user ?? 'anonymous' }))
    app.use((ctx: ParameterizedContext<MyState & RateLimitState, DefaultContext>) => {
      expectTypeOf(ctx.state.rateLimit).toEqualTypeOf<Decision | undefined>()
      ctx.body = String(ctx.state.rateLimit?.remaining)
    })
    expect(await (await fetch(await listen(app.callback()))).text()).toBe('1')
    const plain = new Koa()
    plain.use((ctx) => {
      expectTypeOf(ctx.state.rateLimit).toEqualTypeOf<Decision | undefined>()
    })
  })

  it('headers already sent by an earlier middleware: the limiter writes none and the request goes on, as ctx.set does', async () => {
    const app = new Koa()
    const errors: unknown[] = []
    app.on('error', (error) => errors.push(error))
    app.use(async (ctx, next) => {
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain' })
      // Caught here, so a throwing header write fails the assertion at once: Koa could not answer it.
      const thrown = await next().then(
        () => 'none',
        (error: Error) => error.message,
      )
      ctx.res.end(`${ctx.state.rateLimit?.remaining} ${thrown}`)
    })
    app.use(rateLimit({ limiter: limiterOf() }))
    const res = await fetch(await listen(app.callback()))
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit')).toBeNull()
    expect(await res.text()).toBe('1 none')
    expect(errors).toEqual([])
  })

  it('a finished shaping wait leaves no close listener behind', async () => {
    const now = Date.now()
    const app = new Koa()
    app.use(rateLimit({ limiter: limiterOf(leakyBucket({ capacity: 1, leakRate: 10 }), () => now) }))
    app.use((ctx) => {
      ctx.body = { delayMs: ctx.state.rateLimit?.delayMs, closeListeners: ctx.res.listenerCount('close') }
    })
    const url = await listen(app.callback())
    type Body = { delayMs: number; closeListeners: number }
    const bodies = await Promise.all(
      [fetch(url), fetch(url)].map(async (r) => (await (await r).json()) as Body),
    )
    expect(bodies.map((b) => b.delayMs).sort()).toEqual([0, 100])
    expect(bodies[0]?.closeListeners).toBe(bodies[1]?.closeListeners)
  })
})
