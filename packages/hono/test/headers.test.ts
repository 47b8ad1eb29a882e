import { createRateLimiter, fixedWindow, type HeaderMode } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { listen, rawRequest } from './support/server.ts'

// 18 s into a minute, so a 1-minute window resets in 42 s; Date is fixed for X-RateLimit-Reset.
const NOW = 1_700_000_058_000
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterAll(() => {
  vi.useRealTimers()
})

function limiter(limit = 3, name?: string) {
  return createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m', name }),
    clock: () => NOW,
  })
}

/** The rate-limit-related lines of a response, in the order they were sent. */
function rateLines(lines: readonly string[]): string[] {
  return lines.filter((l) => /^(ratelimit|x-ratelimit|retry-after|cache-control)/i.test(l))
}

async function appWith(headers: HeaderMode | undefined, limit = 3) {
  const app = new Hono()
  app.use(rateLimit({ limiter: limiter(limit), headers }))
  app.get('/', (c) => c.text('ok'))
  return listen(app)
}

describe('exact header bytes', () => {
  it('draft-10 (default): RateLimit-Policy and RateLimit as structured-field lists, t in whole seconds', async () => {
    const base = await appWith(undefined)
    const res = await rawRequest(base, '/')
    expect(res.statusLine).toBe('HTTP/1.1 200 OK')
    expect(rateLines(res.headerLines)).toEqual([
      'ratelimit: "fixedWindow:3/1m";r=2;t=42',
      'ratelimit-policy: "fixedWindow:3/1m";q=3;w=60',
    ])
    expect(res.body).toBe('ok')
  })

  it('legacy: X-RateLimit-Limit, -Remaining and -Reset in epoch seconds', async () => {
    const base = await appWith('legacy')
    const res = await rawRequest(base, '/')
    expect(rateLines(res.headerLines)).toEqual([
      'x-ratelimit-limit: 3',
      'x-ratelimit-remaining: 2',
      `x-ratelimit-reset: ${(NOW + 42_000) / 1000}`,
    ])
  })

  it('both: the draft-10 pair and the legacy trio', async () => {
    const base = await appWith('both')
    const res = await rawRequest(base, '/')
    expect(rateLines(res.headerLines)).toEqual([
      'ratelimit: "fixedWindow:3/1m";r=2;t=42',
      'ratelimit-policy: "fixedWindow:3/1m";q=3;w=60',
      'x-ratelimit-limit: 3',
      'x-ratelimit-remaining: 2',
      'x-ratelimit-reset: 1700000100',
    ])
  })

  it('false: no rate-limit headers, but a 429 still says when to retry', async () => {
    const base = await appWith(false, 1)
    expect(rateLines((await rawRequest(base, '/')).headerLines)).toEqual([])
    const refused = await rawRequest(base, '/')
    expect(refused.statusLine).toBe('HTTP/1.1 429 Too Many Requests')
    expect(rateLines(refused.headerLines)).toEqual(['cache-control: no-store', 'retry-after: 42'])
  })

  it('a policy name is serialised as an sf-string, quotes and backslashes escaped', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(), policyName: 'say "hi", \\o/' }))
    app.get('/', (c) => c.text('ok'))
    const res = await rawRequest(await listen(app), '/')
    expect(res.header('ratelimit')).toBe('"say \\"hi\\", \\\\o/";r=2;t=42')
    expect(res.header('ratelimit-policy')).toBe('"say \\"hi\\", \\\\o/";q=3;w=60')
  })

  it('a non-ASCII policy name is percent-encoded once, the same in headers and problem body', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(1), policyName: 'café' }))
    app.get('/', (c) => c.text('ok'))
    const base = await listen(app)
    await rawRequest(base, '/')
    const res = await rawRequest(base, '/')
    expect(JSON.parse(res.body)['violated-policies']).toEqual(['caf%C3%A9'])
    expect(res.header('ratelimit')).toBe('"caf%C3%A9";r=0;t=42')
    expect(res.header('ratelimit-policy')).toBe('"caf%C3%A9";q=1;w=60')
  })

  it('a composite limiter reports every policy', async () => {
    const app = new Hono()
    const both = createRateLimiter({
      store: memoryStore(),
      algorithm: [
        fixedWindow({ limit: 5, window: '1s', name: 'burst' }),
        fixedWindow({ limit: 100, window: '1h', name: 'hourly' }),
      ],
      clock: () => NOW,
    })
    app.use(rateLimit({ limiter: both }))
    app.get('/', (c) => c.text('ok'))
    const res = await rawRequest(await listen(app), '/')
    expect(rateLines(res.headerLines)).toEqual([
      'ratelimit: "burst";r=4;t=1, "hourly";r=99;t=2742',
      'ratelimit-policy: "burst";q=5;w=1, "hourly";q=100;w=3600',
    ])
  })
})

describe('refusal', () => {
  it('429 with Retry-After, Cache-Control: no-store and an application/problem+json body', async () => {
    const base = await appWith(undefined, 1)
    await rawRequest(base, '/')
    const res = await rawRequest(base, '/')
    expect(res.statusLine).toBe('HTTP/1.1 429 Too Many Requests')
    expect(rateLines(res.headerLines)).toEqual([
      'cache-control: no-store',
      'ratelimit: "fixedWindow:1/1m";r=0;t=42',
      'ratelimit-policy: "fixedWindow:1/1m";q=1;w=60',
      'retry-after: 42',
    ])
    expect(res.header('content-type')).toBe('application/problem+json')
    expect(JSON.parse(res.body)).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail: 'Quota exceeded for policy "fixedWindow:1/1m"; retry after 42 seconds.',
      'violated-policies': ['fixedWindow:1/1m'],
    })
  })

  it('statusCode changes the status of the response and of the problem body', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(1), statusCode: 503 }))
    app.get('/', (c) => c.text('ok'))
    const base = await listen(app)
    await fetch(base)
    const res = await fetch(base)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('42')
    expect(await res.json()).toMatchObject({ status: 503 })
  })

  it('onLimited(c, limited) sends its own response; the headers stay on it', async () => {
    const app = new Hono()
    app.use(
      rateLimit({
        limiter: limiter(1),
        onLimited: (c, limited) =>
          new Response(`slow down: ${c.get('rateLimit')?.remaining} left, ${limited.retryAfterSeconds} s`, {
            status: limited.status,
          }),
      }),
    )
    app.get('/', (c) => c.text('ok'))
    const base = await listen(app)
    await fetch(base)
    const res = await fetch(base)
    expect(res.status).toBe(429)
    expect(await res.text()).toBe('slow down: 0 left, 42 s')
    expect(res.headers.get('retry-after')).toBe('42')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:1/1m";r=0;t=42')
  })
})

describe('several middlewares on one route', () => {
  it('each adds its own list member, in the order they run', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(100), policyName: 'api' }))
    app.get('/login', rateLimit({ limiter: limiter(3), policyName: 'login' }), (c) => c.text('ok'))
    const res = await rawRequest(await listen(app), '/login')
    expect(rateLines(res.headerLines)).toEqual([
      'ratelimit: "api";r=99;t=42, "login";r=2;t=42',
      'ratelimit-policy: "api";q=100;w=60, "login";q=3;w=60',
    ])
  })

  it('the members survive a handler that returns a bare Response', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(100), policyName: 'api' }))
    app.get('/', rateLimit({ limiter: limiter(3), policyName: 'route' }), () => new Response('raw'))
    const res = await fetch(await listen(app))
    expect(await res.text()).toBe('raw')
    expect(res.headers.get('ratelimit')).toBe('"api";r=99;t=42, "route";r=2;t=42')
  })

  it('a refusal by the inner one reports both policies; legacy headers describe the refusing one', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(100), policyName: 'api', headers: 'both' }))
    app.get('/login', rateLimit({ limiter: limiter(1), policyName: 'login', headers: 'both' }), (c) =>
      c.text('ok'),
    )
    const base = await listen(app)
    await rawRequest(base, '/login')
    const res = await rawRequest(base, '/login')
    expect(res.statusLine).toBe('HTTP/1.1 429 Too Many Requests')
    expect(rateLines(res.headerLines)).toEqual([
      'cache-control: no-store',
      'ratelimit: "api";r=98;t=42, "login";r=0;t=42',
      'ratelimit-policy: "api";q=100;w=60, "login";q=1;w=60',
      'retry-after: 42',
      'x-ratelimit-limit: 1',
      'x-ratelimit-remaining: 0',
      'x-ratelimit-reset: 1700000100',
    ])
  })
})

describe('responses the handler builds itself', () => {
  it('a Response with immutable headers (as fetch() returns) keeps its body and gains the headers', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(3) }))
    app.get('/', () => Response.redirect('http://127.0.0.1/elsewhere', 302))
    const res = await fetch(await listen(app), { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('http://127.0.0.1/elsewhere')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
  })

  it('an app.onError response built as a bare Response carries the headers too', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(3) }))
    app.get('/', () => {
      throw new Error('boom')
    })
    app.onError(() => new Response('failed', { status: 500 }))
    const res = await fetch(await listen(app))
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('failed')
    expect(res.headers.get('ratelimit-policy')).toBe('"fixedWindow:3/1m";q=3;w=60')
  })

  it('headers the handler sets on its own response stay beside the rate-limit ones', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: limiter(3) }))
    app.get('/', (c) => c.json({ ok: true }, 201, { 'X-Request-Id': 'abc' }))
    const res = await fetch(await listen(app))
    expect(res.status).toBe(201)
    expect(res.headers.get('x-request-id')).toBe('abc')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
  })
})
