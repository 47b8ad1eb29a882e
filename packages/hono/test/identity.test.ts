import { ConfigError, InputError } from '@sluice/core'
import { type Context, Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type RateLimitOptions, rateLimit } from '../src/index.ts'
import { errorRecorder, perMinute } from './support/limiters.ts'
import { listen } from './support/server.ts'

afterEach(() => {
  vi.unstubAllGlobals()
})

function hello(app: Hono): Hono {
  app.get('/', (c) => c.text('ok'))
  return app
}

describe('default key: the socket address', () => {
  it('is the peer address of the connection, grouped by core', async () => {
    const limiter = perMinute(5)
    const base = await listen(hello(new Hono().use(rateLimit({ limiter }))))
    await fetch(base)
    expect((await limiter.peek('127.0.0.1')).remaining).toBe(4)
  })

  it('a spoofed X-Forwarded-For does not give a client a fresh budget', async () => {
    const limiter = perMinute(2)
    const base = await listen(hello(new Hono().use(rateLimit({ limiter }))))
    const statuses: number[] = []
    for (const spoof of ['203.0.113.1', '203.0.113.2', '198.51.100.7, 203.0.113.3']) {
      const res = await fetch(base, {
        headers: { 'X-Forwarded-For': spoof, 'X-Real-IP': spoof, Forwarded: `for=${spoof}` },
      })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([200, 200, 429])
    expect((await limiter.peek('203.0.113.1')).remaining).toBe(2)
  })

  it('a request whose socket is already gone: an InputError for app.onError, never a shared key', async () => {
    const limiter = perMinute(5)
    const { errors, onError } = errorRecorder()
    let handled = 0
    const app = new Hono()
    app.onError(onError)
    app.use(async (c, next) => {
      ;(c.env as { incoming: { socket: { destroy(): void } } }).incoming.socket.destroy()
      await next()
    })
    app.use(rateLimit({ limiter }))
    app.get('/', (c) => {
      handled++
      return c.text('ok')
    })
    await expect(fetch(await listen(app))).rejects.toThrow()
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toBeInstanceOf(InputError)
    expect(errors[0]?.message).toMatch(
      /^rateLimit: the request has no client address \(c\.env\.incoming\.socket\.remoteAddress is undefined/,
    )
    expect(handled).toBe(0)
  })

  it('X-Forwarded-For counts only through a key function the user writes', async () => {
    const limiter = perMinute(1)
    // Only correct behind a proxy that overwrites the header and is the app's only way in.
    const key = (c: { req: { header(name: string): string | undefined } }) =>
      c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() || 'no-proxy'
    const base = await listen(hello(new Hono().use(rateLimit({ limiter, key }))))
    const send = (xff: string) => fetch(base, { headers: { 'X-Forwarded-For': xff } }).then((r) => r.status)
    expect([await send('203.0.113.1'), await send('203.0.113.2'), await send('203.0.113.1')]).toEqual([
      200, 200, 429,
    ])
  })

  it('an IPv6 client is grouped by /64', async (ctx) => {
    const limiter = perMinute(5)
    const base = await listen(hello(new Hono().use(rateLimit({ limiter }))), '::1').catch(() => undefined)
    if (base === undefined) return ctx.skip('no IPv6 loopback on this machine')
    await fetch(base)
    expect((await limiter.peek('::/64')).remaining).toBe(4)
  })
})

describe('ipv6Subnet and addresses that carry an IPv4 client', () => {
  /**
   * The loopback gives one peer address; this stands in for others (another /64, a 6to4 site), as a
   * PROXY-protocol front end would: the socket is real, the address it reports is the test's.
   */
  const peerFromHeader = async (c: Context, next: () => Promise<void>) => {
    const socket = (c.env as { incoming: { socket: object } }).incoming.socket
    Object.defineProperty(socket, 'remoteAddress', { value: c.req.header('x-test-peer'), configurable: true })
    await next()
  }
  const serveLimited = (options: Omit<RateLimitOptions, 'limiter'>) =>
    listen(hello(new Hono().use(peerFromHeader, rateLimit({ limiter: perMinute(1), ...options }))))
  const from = (base: string, address: string) =>
    fetch(base, { headers: { 'x-test-peer': address } }).then((r) => r.status)

  it('ipv6Subnet sets how IPv6 clients are grouped (default 64)', async () => {
    const byDefault = await serveLimited({})
    const wide = await serveLimited({ ipv6Subnet: 48 })
    // Two /64s of one /48: two clients by default, one with ipv6Subnet: 48.
    expect([await from(byDefault, '2001:db8:1:1::1'), await from(byDefault, '2001:db8:1:2::1')]).toEqual([
      200, 200,
    ])
    expect([await from(wide, '2001:db8:1:1::1'), await from(wide, '2001:db8:1:2::1')]).toEqual([200, 429])
    expect(await from(wide, '2001:db8:2:1::1')).toBe(200)
  })

  it('6to4 and Teredo addresses count as the IPv4 address they carry', async () => {
    const base = await serveLimited({})
    expect(await from(base, '203.0.113.9')).toBe(200)
    expect(await from(base, '2002:cb00:7109:5::1')).toBe(429)
    expect(await from(base, '2001:0:4136:e378:8000:63bf:34ff:8ef6')).toBe(429)
    expect(await from(base, '64:ff9b::203.0.113.9')).toBe(429)
  })
})

describe('key, cost and skip', () => {
  it('key(c) picks the budget', async () => {
    const limiter = perMinute(1)
    const base = await listen(
      hello(new Hono().use(rateLimit({ limiter, key: (c) => c.req.header('x-api-key') ?? 'anonymous' }))),
    )
    const send = (apiKey: string) => fetch(base, { headers: { 'x-api-key': apiKey } }).then((r) => r.status)
    expect([await send('alice'), await send('bob'), await send('alice'), await send('bob')]).toEqual([
      200, 200, 429, 429,
    ])
  })

  it('an async key(c) is awaited', async () => {
    const limiter = perMinute(3)
    const base = await listen(
      hello(
        new Hono().use(
          rateLimit({ limiter, key: async (c) => `user:${await Promise.resolve(c.req.query('u'))}` }),
        ),
      ),
    )
    await fetch(`${base}/?u=7`)
    expect((await limiter.peek('user:7')).remaining).toBe(2)
  })

  it('cost(c) takes that many units; a fixed cost too', async () => {
    const limiter = perMinute(10)
    const app = new Hono()
    app.get('/upload', rateLimit({ limiter, cost: (c) => Number(c.req.query('mb')) }), (c) => c.text('ok'))
    app.get('/report', rateLimit({ limiter, cost: 4 }), (c) => c.text('ok'))
    const base = await listen(app)
    const upload = await fetch(`${base}/upload?mb=3`)
    expect(upload.headers.get('ratelimit')).toMatch(/;r=7;/)
    const report = await fetch(`${base}/report`)
    expect(report.headers.get('ratelimit')).toMatch(/;r=3;/)
    expect((await fetch(`${base}/upload?mb=4`)).status).toBe(429)
    expect((await fetch(`${base}/upload?mb=0`)).status).toBe(200)
  })

  it('skip(c) lets a request through uncounted, without headers or a decision', async () => {
    const limiter = perMinute(1)
    const app = new Hono()
    app.use(rateLimit({ limiter, skip: (c) => c.req.path === '/health' }))
    app.get('/health', (c) => c.json({ decision: c.get('rateLimit') ?? null }))
    app.get('/', (c) => c.text('ok'))
    const base = await listen(app)
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/health`)
      expect(res.status).toBe(200)
      expect(res.headers.has('ratelimit')).toBe(false)
      expect(await res.json()).toEqual({ decision: null })
    }
    expect((await fetch(base)).status).toBe(200)
    expect((await fetch(base)).status).toBe(429)
  })
})

describe('a runtime without a socket address', () => {
  it('app.request() (no socket): a clear InputError for app.onError, never a shared key', async () => {
    const limiter = perMinute(5)
    const { errors, onError } = errorRecorder()
    const app = hello(new Hono().use(rateLimit({ limiter })))
    app.onError(onError)
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
