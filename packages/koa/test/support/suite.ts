import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  InputError,
  leakyBucket,
  type ProblemDetails,
  type Store,
  StoreError,
} from '@sluice/core'
import type Koa from 'koa'
import type { Middleware } from 'koa'
import { describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import { headersOf, serve } from './servers.ts'

/** A limiter clock 42 s before a minute boundary: every 1-minute window shows t=42. */
export const NOW = 1_699_999_998_000

export interface SuiteOptions {
  /** The Koa under test (3, or 2 through its alias). */
  readonly Koa: typeof Koa
  /** A fresh, empty store per test. */
  readonly store: () => Store
  /** Also the cases that do not depend on the store (custom responses, disconnects, faults). */
  readonly full: boolean
}

/** The behaviours every Koa major and store must show, over real HTTP (the same list as @sluice/express). */
export function describeRateLimit(label: string, { Koa, store, full }: SuiteOptions): void {
  const limiterOf = (algorithm: Algorithm | Algorithm[], clock: () => number = () => NOW) =>
    createRateLimiter({ store: store(), algorithm, clock })
  const perMinute = (limit: number, name = 'api') => limiterOf(fixedWindow({ limit, window: '1m', name }))

  /**
   * An app with `middlewares` before a handler that echoes `ctx.state.rateLimit`; errors go to Koa's
   * own error handling (a 500) and are collected from `app.on('error')`.
   */
  async function app(
    middlewares: Middleware[],
    setup?: (app: Koa) => void,
  ): Promise<{ url: string; errors: unknown[]; handled: () => number }> {
    const a = new Koa()
    setup?.(a)
    let handled = 0
    const errors: unknown[] = []
    a.on('error', (error) => errors.push(error))
    for (const middleware of middlewares) a.use(middleware)
    a.use((ctx) => {
      handled++
      ctx.body = { ip: ctx.ip, rateLimit: ctx.state.rateLimit ?? null }
    })
    return { url: await serve(a), errors, handled: () => handled }
  }

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

    it('a spoofed X-Forwarded-For gives no fresh budget when no proxy is trusted', async () => {
      const { url } = await app([rateLimit({ limiter: perMinute(1) })])
      const first = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.1' } })
      expect(((await first.json()) as { ip: string }).ip).toBe('127.0.0.1')
      const spoofed = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.2' } })
      expect(spoofed.status).toBe(429)
    })

    it('X-Forwarded-For is honoured behind app.proxy = true, IPv6 grouped by /64', async () => {
      const { url } = await app([rateLimit({ limiter: perMinute(1) })], (a) => {
        a.proxy = true
      })
      const from = (address: string) => fetch(url, { headers: { 'x-forwarded-for': address } })
      const first = await from('203.0.113.1')
      expect(first.status).toBe(200)
      expect(((await first.json()) as { ip: string }).ip).toBe('203.0.113.1')
      expect((await from('203.0.113.2')).status).toBe(200)
      expect((await from('203.0.113.1')).status).toBe(429)
      expect((await from('2001:db8:1:2::1')).status).toBe(200)
      expect((await from('2001:db8:1:2:ffff::2')).status).toBe(429)
      expect((await from('::ffff:203.0.113.2')).status).toBe(429)
    })

    it('shaping: requests wait their turn; a wait over maxDelayMs is refused', async () => {
      // One request leaves every 200 ms and two may wait; the limiter's clock stands still, so the
      // delays are exact (0, 200, 400) while the waits are real.
      const shaper = () => limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 200, name: 'q' }))
      const { url } = await app([rateLimit({ limiter: shaper() })])
      const started = Date.now()
      const timed = async () => {
        const res = await fetch(url)
        const body = res.status === 200 ? ((await res.json()) as { rateLimit: Decision }) : undefined
        return { status: res.status, ms: Date.now() - started, delayMs: body?.rateLimit.delayMs }
      }
      const results = await Promise.all([timed(), timed(), timed(), timed()])
      const ok = results.filter((r) => r.status === 200).sort((a, b) => a.ms - b.ms)
      expect(results.filter((r) => r.status === 429)).toHaveLength(1)
      expect(ok.map((r) => r.delayMs)).toEqual([0, 200, 400])
      expect(ok[1]?.ms).toBeGreaterThanOrEqual(199)
      expect(ok[2]?.ms).toBeGreaterThanOrEqual(399)

      const capped = (await app([rateLimit({ limiter: shaper(), maxDelayMs: 100 })])).url
      expect((await fetch(capped)).status).toBe(200)
      const refused = await fetch(capped)
      expect(refused.status).toBe(429)
      expect(headersOf(refused, 'ratelimit', 'retry-after')).toEqual({
        ratelimit: '"q";r=2;t=1', // refused for its wait: it took nothing from the queue
        'retry-after': '1',
      })
      expect(((await refused.json()) as ProblemDetails).detail).toMatch(
        /^The queue of policy "q" is longer than/,
      )
    })

    it("a bad key or cost function goes to Koa's error handling, naming the fix", async () => {
      const cases: [Middleware, RegExp][] = [
        [
          rateLimit({
            limiter: perMinute(5),
            key: (ctx) => (ctx.request as unknown as { body: { email: string } }).body.email,
          }),
          /the key function threw \(TypeError: .*\); make key\(req\) return a non-empty string/,
        ],
        [rateLimit({ limiter: perMinute(5), key: () => '' }), /the key function returned ""/],
        [rateLimit({ limiter: perMinute(5), key: () => 7 as unknown as string }), /got 7; convert ids/],
        [
          rateLimit({ limiter: perMinute(5), cost: () => -1 }),
          /cost function must return a non-negative integer, got -1/,
        ],
        [rateLimit({ limiter: perMinute(5), cost: () => 1.5 }), /got 1.5/],
        [
          rateLimit({ limiter: perMinute(5), cost: (ctx) => Number(ctx.get('x-size') || undefined) }),
          /got NaN/,
        ],
      ]
      for (const [middleware, message] of cases) {
        const { url, errors, handled } = await app([middleware])
        const res = await fetch(url)
        expect(res.status).toBe(500)
        expect(res.headers.get('ratelimit')).toBeNull()
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(InputError)
        expect((errors[0] as Error).message).toMatch(message)
        expect(handled()).toBe(0)
      }
    })

    if (!full) return

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

    it('a client that disconnects while waiting is dropped: no handler, no timer left', async () => {
      const limiter = limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 600 }))
      const { url, handled } = await app([rateLimit({ limiter })])
      expect((await fetch(url)).status).toBe(200)
      const setTimer = vi.spyOn(globalThis, 'setTimeout')
      const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
      try {
        const controller = new AbortController()
        const started = Date.now()
        const pending = fetch(url, { signal: controller.signal })
        // The shaping wait: exactly 600 ms, since the limiter's clock stands still.
        const waitCall = () => setTimer.mock.calls.findIndex(([, ms]) => ms === 600)
        await vi.waitFor(() => expect(waitCall()).toBeGreaterThanOrEqual(0))
        controller.abort()
        await expect(pending).rejects.toThrow()
        const timer = setTimer.mock.results[waitCall()]?.value as NodeJS.Timeout
        await vi.waitFor(() => expect(clearTimer).toHaveBeenCalledWith(timer))
        expect((timer as unknown as { _destroyed: boolean })._destroyed).toBe(true)
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 700 - (Date.now() - started))))
        expect(handled()).toBe(1)
      } finally {
        setTimer.mockRestore()
        clearTimer.mockRestore()
      }
    })
  })
}
