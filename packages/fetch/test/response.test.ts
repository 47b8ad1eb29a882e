// What check and withRateLimit answer: null or the refusal, and the headers on every kind of Response.
import { createRateLimiter, fixedWindow, leakyBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { describe, expect, it } from 'vitest'
import { getRateLimit, rateLimit, rateLimitHeaders, withRateLimit } from '../src/index.ts'

const NOW = 1_699_999_998_000
// A still clock: every 1-minute window shows t=42.
const perMinute = (limit: number, name = 'api') =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m', name }),
    clock: () => NOW,
  })

const request = () => new Request('http://app.test/', { headers: { 'x-user': 'u1' } })
const key = (req: Request) => req.headers.get('x-user') ?? 'anonymous'

describe('check(request)', () => {
  it('null to go on, the decision and headers kept for the request; then the 429 problem response', async () => {
    const check = rateLimit({ limiter: perMinute(1), key })
    expect(check.check).toBe(check)
    const first = request()
    expect(await check(first)).toBeNull()
    expect(getRateLimit(first)?.remaining).toBe(0)
    expect(Object.fromEntries(rateLimitHeaders(first))).toEqual({
      'ratelimit-policy': '"api";q=1;w=60',
      ratelimit: '"api";r=0;t=42',
    })
    const refused = await check(request())
    expect(refused?.status).toBe(429)
    expect(Object.fromEntries(refused?.headers ?? [])).toEqual({
      'content-type': 'application/problem+json',
      'ratelimit-policy': '"api";q=1;w=60',
      ratelimit: '"api";r=0;t=42',
      'retry-after': '42',
      'cache-control': 'no-store',
    })
    expect(await refused?.json()).toMatchObject({ status: 429, 'violated-policies': ['api'] })
  })

  it('two checks on one request combine their headers in the order they ran; the inner decision is kept', async () => {
    const global = rateLimit({ limiter: perMinute(10, 'global'), key })
    const login = rateLimit({ limiter: perMinute(1), key, policyName: 'login' })
    const first = request()
    expect(await global(first)).toBeNull()
    expect(await login(first)).toBeNull()
    expect(rateLimitHeaders(first).get('ratelimit')).toBe('"global";r=9;t=42, "login";r=0;t=42')
    expect(getRateLimit(first)?.limit).toBe(1)
    const second = request()
    expect(await global(second)).toBeNull()
    const refused = await login(second)
    expect(refused?.headers.get('ratelimit')).toBe('"global";r=8;t=42, "login";r=0;t=42')
  })

  it('a request that has passed no check has no decision and no headers', () => {
    expect(getRateLimit(request())).toBeUndefined()
    expect([...rateLimitHeaders(request())]).toEqual([])
  })

  it('a shaped request whose client leaves (request.signal aborts) is dropped: 499, the handler never runs', async () => {
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: leakyBucket({ capacity: 3, leakRate: 1, leakInterval: 3_600_000, name: 'q' }),
      clock: () => NOW,
    })
    let handled = 0
    const handler = withRateLimit(
      () => {
        handled++
        return new Response('ok')
      },
      { limiter, key },
    )
    expect((await handler(request())).status).toBe(200)
    const leaving = new AbortController()
    const waiting = handler(
      new Request('http://app.test/', { headers: { 'x-user': 'u1' }, signal: leaving.signal }),
    )
    leaving.abort()
    expect((await waiting).status).toBe(499)
    expect(handled).toBe(1)
  })
})

describe('withRateLimit(handler)', () => {
  it("adds the headers to the handler's Response; a header the handler set itself wins", async () => {
    const handler = withRateLimit(
      () => new Response('ok', { headers: { 'x-app': '1', 'cache-control': 'max-age=5' } }),
      { limiter: perMinute(2), key, headers: 'both' },
    )
    const res = await handler(request())
    expect(await res.text()).toBe('ok')
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'x-app': '1',
      'cache-control': 'max-age=5',
      ratelimit: '"api";r=1;t=42',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
    })
  })

  it('a Response with immutable headers (Response.redirect, a fetch() response) is copied with them', async () => {
    const redirect = Response.redirect('http://app.test/elsewhere', 307)
    expect(() => redirect.headers.set('x', '1')).toThrow(TypeError)
    const handler = rateLimit({ limiter: perMinute(2), key }).withRateLimit(() => redirect)
    const res = await handler(request())
    expect(res).not.toBe(redirect)
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe('http://app.test/elsewhere')
    expect(res.headers.get('ratelimit')).toBe('"api";r=1;t=42')
  })

  it('onLimited: its Response gets the refusal headers; it receives the request, the numbers and ctx', async () => {
    const seen: unknown[] = []
    const handler = withRateLimit((_req: Request, _ctx: string) => new Response('ok'), {
      limiter: perMinute(1),
      key,
      onLimited: (req, limited, ctx) => {
        seen.push([req.headers.get('x-user'), limited.retryAfterSeconds, ctx])
        return new Response('slow down', { status: limited.status })
      },
    })
    await handler(request(), 'ctx')
    const res = await handler(request(), 'ctx')
    expect(res.status).toBe(429)
    expect(await res.text()).toBe('slow down')
    expect(res.headers.get('retry-after')).toBe('42')
    expect(res.headers.get('ratelimit')).toBe('"api";r=0;t=42')
    expect(seen).toEqual([['u1', 42, 'ctx']])
  })

  it('a handler that returns no Response rejects with a TypeError saying so', async () => {
    const handler = withRateLimit((() => 'ok') as never, { limiter: perMinute(2), key })
    await expect(handler(request())).rejects.toThrow(/the handler must return a Response, got string/)
  })

  it("a throw from the app's key function rejects: the runtime's error handling, never a 429", async () => {
    const handler = withRateLimit(() => new Response('ok'), {
      limiter: perMinute(2),
      key: () => {
        throw new Error('no session')
      },
    })
    await expect(handler(request())).rejects.toThrow(/the key function threw \(Error: no session\)/)
  })
})
