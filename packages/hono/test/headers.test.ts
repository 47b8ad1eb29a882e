// The two ways Hono headers are written: on @hono/node-server's Node response, and through Hono elsewhere.
import { getRequestListener } from '@hono/node-server'
import { listen } from '@sluice/binding-conformance'
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'

// 18 s into a minute: a 1-minute window resets in 42 s.
const NOW = 1_700_000_058_000
const perMinute = (limit: number) =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m' }),
    clock: () => NOW,
  })

/** One request to `app`: over real HTTP through @hono/node-server, or with `app.request()` (no Node response). */
type Send = (app: Hono) => Promise<Response>

const WAYS: readonly (readonly [string, Send])[] = [
  [
    '@hono/node-server',
    async (app) => fetch(await listen(getRequestListener(app.fetch)), { redirect: 'manual' }),
  ],
  ['app.request() (no Node response)', (app) => Promise.resolve(app.request('/'))],
]

// Off @hono/node-server there is no socket address: every way uses the same fixed key.
const key = () => 'client'

describe.each(WAYS)('rate-limit headers via %s', (_way, send) => {
  it("an admitted request's headers reach c.text()", async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3), key }))
    app.get('/', (c) => c.text('ok'))
    const res = await send(app)
    expect(await res.text()).toBe('ok')
    expect(res.headers.get('ratelimit-policy')).toBe('"fixedWindow:3/1m";q=3;w=60')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('two middlewares list both members; the legacy trio names the tighter, whatever response the handler builds', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(100), key, policyName: 'api', headers: 'both' }))
    app.get(
      '/',
      rateLimit({ limiter: perMinute(3), key, policyName: 'route', headers: 'both' }),
      () => new Response('raw'),
    )
    const res = await send(app)
    expect(await res.text()).toBe('raw')
    expect(res.headers.get('ratelimit-policy')).toBe('"api";q=100;w=60, "route";q=3;w=60')
    expect(res.headers.get('ratelimit')).toBe('"api";r=99;t=42, "route";r=2;t=42')
    expect(res.headers.get('x-ratelimit-limit')).toBe('3')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('2')
  })

  it('a response with immutable headers keeps its status and location and gains the headers', async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3), key }))
    app.get('/', () => Response.redirect('http://127.0.0.1/elsewhere', 302))
    const res = await send(app)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('http://127.0.0.1/elsewhere')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:3/1m";r=2;t=42')
  })

  it("a refusal's headers reach the response onLimited builds itself", async () => {
    const app = new Hono()
    app.use(
      rateLimit({
        limiter: perMinute(1),
        key,
        onLimited: (_c, limited) => new Response('slow down', { status: limited.status }),
      }),
    )
    app.get('/', (c) => c.text('ok'))
    expect((await send(app)).status).toBe(200)
    const res = await send(app)
    expect(res.status).toBe(429)
    expect(await res.text()).toBe('slow down')
    expect(res.headers.get('ratelimit')).toBe('"fixedWindow:1/1m";r=0;t=42')
    expect(res.headers.get('retry-after')).toBe('42')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it("a header of the same name that the handler's own response sets wins", async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3), key }))
    app.get('/', (c) => c.text('ok', 200, { RateLimit: '"upstream";r=7;t=1' }))
    const res = await send(app)
    expect(res.headers.get('ratelimit')).toBe('"upstream";r=7;t=1')
    expect(res.headers.get('ratelimit-policy')).toBe('"fixedWindow:3/1m";q=3;w=60')
  })

  it("headers: false sends no rate-limit fields and leaves the handler's response alone", async () => {
    const app = new Hono()
    app.use(rateLimit({ limiter: perMinute(3), key, headers: false }))
    app.get('/', (c) => c.text('ok'))
    const res = await send(app)
    expect(await res.text()).toBe('ok')
    expect([...res.headers.keys()].filter((h) => h.includes('ratelimit'))).toEqual([])
  })
})
