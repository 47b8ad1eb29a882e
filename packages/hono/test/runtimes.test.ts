// Hono off @hono/node-server: no socket address, so a key is needed (app.request(), edge runtimes).
import { ConfigError, createRateLimiter, fixedWindow, InputError } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../src/index.ts'

afterEach(() => {
  vi.unstubAllGlobals()
})

// A still clock: on the real one, two requests either side of a minute boundary would both pass.
const perMinute = (limit: number) =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m' }),
    clock: () => 1_699_999_998_000,
  })

function hello(app: Hono): Hono {
  app.get('/', (c) => c.text('ok'))
  return app
}

describe('a runtime without a socket address', () => {
  it('app.request() (no socket): a clear InputError for app.onError, never a shared key', async () => {
    const errors: Error[] = []
    const app = hello(new Hono().use(rateLimit({ limiter: perMinute(5) })))
    app.onError((error, c) => {
      errors.push(error)
      return c.text('error handler', 500)
    })
    const res = await app.request('/', { headers: { 'X-Forwarded-For': '203.0.113.9' } })
    expect(res.status).toBe(500)
    expect(errors[0]).toBeInstanceOf(InputError)
    expect(errors[0]?.message).toContain('pass key: (c) => string')
    expect(errors[0]?.message).toContain('getConnInfo')
  })

  it('app.request() with key(c): limited as usual', async () => {
    const limiter = perMinute(1)
    const app = hello(
      new Hono().use(rateLimit({ limiter, key: (c) => c.req.header('authorization') ?? 'anon' })),
    )
    expect((await app.request('/', { headers: { authorization: 'u1' } })).status).toBe(200)
    expect((await app.request('/', { headers: { authorization: 'u1' } })).status).toBe(429)
    expect((await app.request('/', { headers: { authorization: 'u2' } })).status).toBe(200)
  })

  // Each runtime's globals, as Hono's getRuntimeKey looks for them (navigator.userAgent in recent
  // Hono 4 releases, WebSocketPair in 4.0).
  it.each([
    [
      'Cloudflare Workers',
      { navigator: { userAgent: 'Cloudflare-Workers' }, WebSocketPair: () => undefined },
    ],
    ['Vercel Edge', { EdgeRuntime: 'edge-runtime' }],
    ['Fastly Compute', { fastly: {} }],
  ])('on %s, no key is a ConfigError at construction', (name, globals) => {
    for (const [global, value] of Object.entries(globals)) vi.stubGlobal(global, value)
    const limiter = perMinute(1)
    expect(() => rateLimit({ limiter })).toThrow(ConfigError)
    expect(() => rateLimit({ limiter })).toThrow(
      `rateLimit: key is required here, since this runtime gives no client address; on ${name} a request carries no socket address`,
    )
    expect(() => rateLimit({ limiter, key: (c) => c.req.header('cf-connecting-ip') ?? 'anon' })).not.toThrow()
  })
})
