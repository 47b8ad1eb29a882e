import {
  createRateLimiter,
  type Decision,
  fixedWindow,
  InputError,
  type ProblemDetails,
  type Store,
  StoreError,
} from '@sluice/core'
import type { Middleware } from 'koa'
import { describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import { badRequestCases } from './badRequestCases.ts'
import { harness, type SuiteOptions } from './harness.ts'
import { identityCases } from './identityCases.ts'
import { headersOf } from './servers.ts'
import { shapingCases } from './shapingCases.ts'

export { NOW, type SuiteOptions } from './harness.ts'

/** The behaviours every Koa major and store must show, over real HTTP (the same list as @sluice/express). */
export function describeRateLimit(label: string, options: SuiteOptions): void {
  const h = harness(options)
  const { app, limiterOf, perMinute, store } = h
  const { full } = options
  describe(label, () => {
    it('draft-10 headers by default, exact bytes, and the decision on ctx.state.rateLimit', async () => {
      const { url } = await app([rateLimit({ limiter: perMinute(3) })])
      const res = await fetch(url)
      expect(res.status).toBe(200)
      expect(headersOf(res, 'ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'retry-after')).toEqual({
        'ratelimit-policy': '"api";q=3;w=60',
        ratelimit: '"api";r=2;t=42',
        'x-ratelimit-limit': null,
        'retry-after': null,
      })
      const body = (await res.json()) as { rateLimit: Decision }
      expect(body.rateLimit).toMatchObject({ allowed: true, limit: 3, remaining: 2, resetAfterMs: 42_000 })
      expect(body.rateLimit.policies).toHaveLength(1)
    })

    it("headers: 'legacy', 'both' and false", async () => {
      const { url } = await app([rateLimit({ limiter: perMinute(3), headers: 'legacy' })])
      const before = Date.now()
      const legacy = await fetch(url)
      const after = Date.now()
      expect(headersOf(legacy, 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining')).toEqual({
        ratelimit: null,
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '2',
      })
      const reset = Number(legacy.headers.get('x-ratelimit-reset'))
      expect(reset).toBeGreaterThanOrEqual(Math.ceil((before + 42_000) / 1000))
      expect(reset).toBeLessThanOrEqual(Math.ceil((after + 42_000) / 1000))

      const both = (await app([rateLimit({ limiter: perMinute(3), headers: 'both' })])).url
      expect(
        headersOf(
          await fetch(both),
          'ratelimit-policy',
          'ratelimit',
          'x-ratelimit-limit',
          'x-ratelimit-remaining',
        ),
      ).toEqual({
        'ratelimit-policy': '"api";q=3;w=60',
        ratelimit: '"api";r=2;t=42',
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '2',
      })

      const none = (await app([rateLimit({ limiter: perMinute(1), headers: false })])).url
      const ok = await fetch(none)
      expect([...ok.headers.keys()].filter((h) => h.includes('ratelimit'))).toEqual([])
      const refused = await fetch(none)
      expect(refused.status).toBe(429)
      expect(headersOf(refused, 'ratelimit', 'retry-after', 'cache-control')).toEqual({
        ratelimit: null,
        'retry-after': '42',
        'cache-control': 'no-store',
      })
    })

    it('refuses with 429, Retry-After = t, Cache-Control: no-store and a problem+json body', async () => {
      const { url, handled } = await app([rateLimit({ limiter: perMinute(1) })])
      expect((await fetch(url)).status).toBe(200)
      const res = await fetch(url)
      expect(res.status).toBe(429)
      expect(
        headersOf(res, 'ratelimit-policy', 'ratelimit', 'retry-after', 'cache-control', 'content-type'),
      ).toEqual({
        'ratelimit-policy': '"api";q=1;w=60',
        ratelimit: '"api";r=0;t=42',
        'retry-after': '42',
        'cache-control': 'no-store',
        'content-type': 'application/problem+json',
      })
      expect(await res.text()).toBe(
        '{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Request cannot be satisfied as assigned quota has been exceeded","status":429,"detail":"Quota exceeded for policy \\"api\\"; retry after 42 seconds.","violated-policies":["api"]}',
      )
      expect(handled()).toBe(1)
    })

    it('two middlewares on one route add two list members', async () => {
      const { url } = await app([
        rateLimit({ limiter: perMinute(10, 'global') }),
        rateLimit({ limiter: perMinute(2), policyName: 'login' }),
      ])
      const first = await fetch(url)
      expect(headersOf(first, 'ratelimit-policy', 'ratelimit')).toEqual({
        'ratelimit-policy': '"global";q=10;w=60, "login";q=2;w=60',
        ratelimit: '"global";r=9;t=42, "login";r=1;t=42',
      })
      await fetch(url)
      const third = await fetch(url)
      expect(third.status).toBe(429)
      expect(headersOf(third, 'ratelimit', 'retry-after')).toEqual({
        ratelimit: '"global";r=7;t=42, "login";r=0;t=42',
        'retry-after': '42',
      })
      expect(((await third.json()) as ProblemDetails)['violated-policies']).toEqual(['login'])
    })

    it('a composite limiter reports every policy', async () => {
      const limiter = limiterOf([
        fixedWindow({ limit: 2, window: '1m', name: 'perMinute' }),
        fixedWindow({ limit: 5, window: '1m', name: 'burst' }),
      ])
      const { url } = await app([rateLimit({ limiter })])
      expect(headersOf(await fetch(url), 'ratelimit-policy', 'ratelimit')).toEqual({
        'ratelimit-policy': '"perMinute";q=2;w=60, "burst";q=5;w=60',
        ratelimit: '"perMinute";r=1;t=42, "burst";r=4;t=42',
      })
    })

    it('key, cost and skip', async () => {
      const { url, handled } = await app([
        rateLimit({
          limiter: perMinute(5),
          key: async (ctx) => ctx.get('x-user'),
          cost: (ctx) => Number(ctx.get('x-cost') || 1),
          skip: (ctx) => ctx.path === '/health',
        }),
      ])
      const as = (user: string, cost?: number, path = '/') =>
        fetch(url + path, {
          headers: { 'x-user': user, ...(cost === undefined ? {} : { 'x-cost': String(cost) }) },
        })
      expect((await as('ann', 3)).headers.get('ratelimit')).toBe('"api";r=2;t=42')
      expect((await as('bob')).headers.get('ratelimit')).toBe('"api";r=4;t=42')
      expect((await as('ann', 3)).status).toBe(429)
      expect((await as('ann', 2)).headers.get('ratelimit')).toBe('"api";r=0;t=42')
      const health = await as('ann', 1, '/health')
      expect(health.status).toBe(200)
      expect(health.headers.get('ratelimit')).toBeNull()
      expect(handled()).toBe(4)
    })

    shapingCases(h, full)
    identityCases(h)

    if (!full) return

    badRequestCases(h)

    it("a request with no client address goes to Koa's error handling, not a crash", async () => {
      const destroy: Middleware = (ctx, next) => {
        ctx.req.socket.destroy()
        return next()
      }
      const { url, errors, handled } = await app([destroy, rateLimit({ limiter: perMinute(5) })])
      await expect(fetch(url)).rejects.toThrow()
      await vi.waitFor(() => expect(errors).toHaveLength(1))
      expect(errors[0]).toBeInstanceOf(InputError)
      expect((errors[0] as Error).message).toMatch(
        /the request has no client address \(ctx.ip is "": .*\); pass key: \(req\) => string/,
      )
      expect(handled()).toBe(0)
    })

    it("a store fault goes to Koa's error handling, never a 429", async () => {
      const { name, capabilities, reset } = store()
      const faulty: Store = {
        name,
        capabilities,
        reset,
        apply: () => Promise.reject(new StoreError('store unreachable')),
      }
      const limiter = createRateLimiter({ store: faulty, algorithm: fixedWindow({ limit: 1, window: '1m' }) })
      const { url, errors } = await app([rateLimit({ limiter })])
      const res = await fetch(url)
      expect(res.status).toBe(500)
      expect(res.headers.get('retry-after')).toBeNull()
      expect(errors[0]).toBeInstanceOf(StoreError)
    })

    it('onLimited sends a custom response, with the status and headers already set', async () => {
      const { url, errors } = await app([
        rateLimit({
          limiter: perMinute(1),
          statusCode: 503,
          onLimited: (ctx, limited) => {
            ctx.body = { slowDown: limited.retryAfterSeconds, left: ctx.state.rateLimit?.remaining }
          },
        }),
      ])
      await fetch(url)
      const res = await fetch(url)
      expect(res.status).toBe(503)
      expect(headersOf(res, 'retry-after', 'cache-control', 'ratelimit')).toEqual({
        'retry-after': '42',
        'cache-control': 'no-store',
        ratelimit: '"api";r=0;t=42',
      })
      expect(await res.json()).toEqual({ slowDown: 42, left: 0 })

      const failing = await app([
        rateLimit({
          limiter: perMinute(1),
          onLimited: async () => Promise.reject(new Error('template missing')),
        }),
      ])
      await fetch(failing.url)
      expect((await fetch(failing.url)).status).toBe(500)
      expect((failing.errors[0] as Error).message).toBe('template missing')
      expect(errors).toEqual([])
    })
  })
}
