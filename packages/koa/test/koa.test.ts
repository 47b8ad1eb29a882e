import Router from '@koa/router'
import { ConfigError, type Decision, fixedWindow, leakyBucket } from '@sluice/core'
import type { DefaultContext, ParameterizedContext } from 'koa'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type RateLimitState, rateLimit } from '../src/index.ts'
import { limiterOf } from './support/limiters.ts'
import { koaVersions, serve } from './support/servers.ts'

describe('rateLimit() construction', () => {
  it('throws a ConfigError that says what to do', () => {
    expect(() => rateLimit(undefined as never)).toThrow(ConfigError)
    expect(() => rateLimit({} as never)).toThrow(/limiter is missing; create one with createRateLimiter/)
    expect(() => rateLimit({ limiter: limiterOf(), key: 'ip' as never })).toThrow(
      /key must be \(req\) => string/,
    )
    expect(() => rateLimit({ limiter: limiterOf(), headers: 'draft-6' as never })).toThrow(
      /headers must be 'draft-10'/,
    )
    expect(() => rateLimit({ limiter: limiterOf(), windowMs: 1000 } as never)).toThrow(
      /unknown option "windowMs"/,
    )
  })

  it('returns a named Koa middleware', () => {
    expect(rateLimit({ limiter: limiterOf() }).name).toBe('rateLimit')
    expect(rateLimit({ limiter: limiterOf() }).length).toBe(2)
  })
})

describe.each(koaVersions)('Koa specifics on $version', ({ Koa }) => {
  it('@koa/router: a route limiter adds its members after the app-wide one; ctx.state holds the inner decision', async () => {
    const app = new Koa()
    const router = new Router()
    const legacy = new Router()
    app.use(rateLimit({ limiter: limiterOf(fixedWindow({ limit: 10, window: '1m' })), policyName: 'global' }))
    const login = () => limiterOf(fixedWindow({ limit: 2, window: '1h' }))
    router.post('/login', rateLimit({ limiter: login(), policyName: 'login' }), (ctx) => {
      ctx.body = { remaining: ctx.state.rateLimit?.remaining, limit: ctx.state.rateLimit?.limit }
    })
    const loose = limiterOf(fixedWindow({ limit: 50, window: '1m' }))
    legacy.post(
      '/legacy',
      rateLimit({ limiter: login(), headers: 'legacy' }),
      rateLimit({ limiter: loose, headers: 'legacy' }),
      (ctx) => {
        ctx.body = 'ok'
      },
    )
    app.use(router.routes()).use(legacy.routes())
    const url = await serve(app)
    const res = await fetch(`${url}/login`, { method: 'POST' })
    expect(res.headers.get('ratelimit-policy')).toBe('"global";q=10;w=60, "login";q=2;w=3600')
    expect(res.headers.get('ratelimit')).toMatch(/^"global";r=9;t=\d+, "login";r=1;t=\d+$/)
    expect(await res.json()).toEqual({ remaining: 1, limit: 2 })
    // Legacy headers are single-valued: they describe the tighter limiter, even when it ran first.
    const other = await fetch(`${url}/legacy`, { method: 'POST' })
    expect(other.headers.get('x-ratelimit-limit')).toBe('2')
    expect(other.headers.get('x-ratelimit-remaining')).toBe('1')
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
    expect(await (await fetch(await serve(app))).text()).toBe('1')
    const plain = new Koa()
    plain.use((ctx) => {
      expectTypeOf(ctx.state.rateLimit).toEqualTypeOf<Decision | undefined>()
    })
  })

  it('a finished shaping wait leaves no close listener behind', async () => {
    const now = Date.now()
    const app = new Koa()
    app.use(
      rateLimit({ limiter: limiterOf(leakyBucket({ capacity: 1, leakRate: 10 }), { clock: () => now }) }),
    )
    app.use((ctx) => {
      ctx.body = { delayMs: ctx.state.rateLimit?.delayMs, closeListeners: ctx.res.listenerCount('close') }
    })
    const url = await serve(app)
    type Body = { delayMs: number; closeListeners: number }
    const bodies = await Promise.all(
      [fetch(url), fetch(url)].map(async (r) => (await (await r).json()) as Body),
    )
    expect(bodies.map((b) => b.delayMs).sort()).toEqual([0, 100])
    expect(bodies[0]?.closeListeners).toBe(bodies[1]?.closeListeners)
  })
})
