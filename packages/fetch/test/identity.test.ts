// Who the client is: key, ipHeader or clientAddress said explicitly, each header read at its right place.
import { ConfigError, createRateLimiter, fixedWindow, InputError } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { describe, expect, it } from 'vitest'
import { type IpHeader, type RateLimitOptions, rateLimit } from '../src/index.ts'

// A still clock: on the real one, two requests either side of a minute boundary would both pass.
const perMinute = (limit: number) =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m', name: 'api' }),
    clock: () => 1_699_999_998_000,
  })

const request = (headers: Record<string, string> = {}) => new Request('http://app.test/', { headers })

describe('construction', () => {
  it('no key, ipHeader or clientAddress: a ConfigError naming the three ways', () => {
    const build = () => rateLimit({ limiter: perMinute(1) })
    expect(build).toThrow(ConfigError)
    expect(build).toThrow(/say who the client is, one of three ways: key: \(request\) => string/)
    expect(build).toThrow(/ipHeader: 'cf-connecting-ip' \| 'x-real-ip' \| 'x-vercel-forwarded-for'/)
    expect(build).toThrow(/clientAddress: \(request, ctx\) => string/)
    expect(build).toThrow(/No header is read by default/)
  })

  it.each<[string, Partial<RateLimitOptions>, RegExp]>([
    [
      'ipHeader and clientAddress',
      { ipHeader: 'x-real-ip', clientAddress: () => '::1' },
      /ipHeader and clientAddress each say where the client's address is; give one/,
    ],
    [
      "ipHeader: 'x-client-ip'",
      { ipHeader: 'x-client-ip' as IpHeader },
      /ipHeader must be one of 'cf-connecting-ip', .*, got "x-client-ip"; for another header, pass key/,
    ],
    [
      "ipHeader: 'CF-Connecting-IP'",
      { ipHeader: 'CF-Connecting-IP' as IpHeader },
      /write it in lowercase: 'cf-connecting-ip'/,
    ],
    [
      "clientAddress: '::1'",
      { clientAddress: '::1' as never },
      /clientAddress must be a function \(request, ctx\) => string/,
    ],
    ['ipv6Subnet with key', { key: () => 'k', ipv6Subnet: 48 }, /ipv6Subnet groups the default key/],
  ])('%s: a ConfigError that says what to do', (_name, options, message) => {
    const build = () => rateLimit({ limiter: perMinute(1), ...options })
    expect(build).toThrow(ConfigError)
    expect(build).toThrow(message)
  })

  it('withRateLimit without a handler: a ConfigError', async () => {
    const { withRateLimit } = await import('../src/index.ts')
    expect(() => withRateLimit(undefined as never, { limiter: perMinute(1), key: () => 'k' })).toThrow(
      /withRateLimit takes the handler to wrap/,
    )
  })
})

describe('ipHeader', () => {
  it.each<[IpHeader]>([
    ['cf-connecting-ip'],
    ['x-real-ip'],
    ['fly-client-ip'],
    ['x-nf-client-connection-ip'],
  ])(
    '%s: the whole value is the client; a list in it (a header the client sent too) is a 400',
    async (header) => {
      const limiter = perMinute(1)
      const check = rateLimit({ limiter, ipHeader: header })
      expect(await check(request({ [header]: '203.0.113.7' }))).toBeNull()
      expect((await check(request({ [header]: '203.0.113.7' })))?.status).toBe(429)
      expect(await check(request({ [header]: '203.0.113.8' }))).toBeNull()
      const listed = await check(request({ [header]: '198.51.100.1, 203.0.113.9' }))
      expect(listed?.status).toBe(400)
      expect(listed?.headers.get('content-type')).toBe('application/problem+json')
      expect((await limiter.peek('203.0.113.9')).remaining).toBe(1)
    },
  )

  it.each<[IpHeader]>([['x-forwarded-for'], ['x-vercel-forwarded-for']])(
    '%s: the last address (the one the proxy appended) is the client; the rest is the client’s to write',
    async (header) => {
      const limiter = perMinute(2)
      const check = rateLimit({ limiter, ipHeader: header })
      for (const spoof of ['198.51.100.1', '198.51.100.2, 198.51.100.3']) {
        expect(await check(request({ [header]: `${spoof}, 203.0.113.7` }))).toBeNull()
      }
      expect((await check(request({ [header]: '10.0.0.1,203.0.113.7' })))?.status).toBe(429)
      expect((await limiter.peek('203.0.113.7')).remaining).toBe(0)
      expect((await limiter.peek('198.51.100.1')).remaining).toBe(2)
      // One address alone, and a list that ends in a comma (no last address: a 400).
      expect(await check(request({ [header]: '203.0.113.8' }))).toBeNull()
      expect((await check(request({ [header]: '203.0.113.8,' })))?.status).toBe(400)
    },
  )

  it('groups IPv6 by ipv6Subnet and counts IPv4-mapped addresses as IPv4, as a socket address', async () => {
    const limiter = perMinute(1)
    const check = rateLimit({ limiter, ipHeader: 'cf-connecting-ip', ipv6Subnet: 48 })
    expect(await check(request({ 'cf-connecting-ip': '2001:db8:1:1::1' }))).toBeNull()
    expect((await check(request({ 'cf-connecting-ip': '2001:db8:1:2::1' })))?.status).toBe(429)
    expect(await check(request({ 'cf-connecting-ip': '203.0.113.1' }))).toBeNull()
    expect((await check(request({ 'cf-connecting-ip': '::ffff:203.0.113.1' })))?.status).toBe(429)
  })

  it('a request without the header rejects with an InputError naming the fix, never a shared budget', async () => {
    const limiter = perMinute(5)
    const check = rateLimit({ limiter, ipHeader: 'cf-connecting-ip' })
    const failed = check(request({ 'x-forwarded-for': '203.0.113.1' }))
    await expect(failed).rejects.toThrow(InputError)
    await expect(failed).rejects.toThrow(
      /^rateLimit: the request has no cf-connecting-ip header, which ipHeader: 'cf-connecting-ip' expects Cloudflare to set; .* pass key: \(request\) => string or clientAddress/,
    )
  })

  it('a value that is not an IP is a 400 that does not echo it', async () => {
    const check = rateLimit({ limiter: perMinute(5), ipHeader: 'x-real-ip' })
    const res = await check(request({ 'x-real-ip': 'evil<script>' }))
    expect(res?.status).toBe(400)
    expect(await res?.text()).not.toContain('evil')
  })
})

describe('clientAddress and key', () => {
  it('clientAddress receives the request and ctx (the runtime’s second argument)', async () => {
    const limiter = perMinute(1)
    const seen: unknown[] = []
    const check = rateLimit<{ peer: string }>({
      limiter,
      clientAddress: (req, ctx) => {
        seen.push([req.url, ctx])
        return ctx.peer
      },
    })
    expect(await check(request(), { peer: '2001:db8::1' })).toBeNull()
    expect((await check(request(), { peer: '2001:db8::2' }))?.status).toBe(429)
    expect(seen[0]).toEqual(['http://app.test/', { peer: '2001:db8::1' }])
    expect((await limiter.peek('2001:db8::/64')).remaining).toBe(0)
  })

  it('clientAddress returning undefined rejects with the InputError of a request without an address', async () => {
    const check = rateLimit({ limiter: perMinute(1), clientAddress: () => undefined })
    await expect(check(request())).rejects.toThrow(
      /^rateLimit: the request has no client address \(clientAddress\(request, ctx\) is undefined/,
    )
  })

  it('key, cost and skip receive the request and ctx; withRateLimit passes its second argument as ctx', async () => {
    const limiter = perMinute(3)
    const limit = rateLimit<{ user: string }>({
      limiter,
      key: (req, ctx) => `${ctx.user}:${new URL(req.url).pathname}`,
      cost: (req) => Number(req.headers.get('x-cost') ?? 1),
      skip: (_req, ctx) => ctx.user === 'admin',
    })
    const handler = limit.withRateLimit((_req: Request, _ctx: { user: string }) => new Response('ok'))
    expect((await handler(request({ 'x-cost': '2' }), { user: 'u1' })).status).toBe(200)
    expect((await handler(request({ 'x-cost': '2' }), { user: 'u1' })).status).toBe(429)
    expect((await limiter.peek('u1:/')).remaining).toBe(1)
    const skipped = await handler(request({ 'x-cost': '5' }), { user: 'admin' })
    expect(skipped.status).toBe(200)
    expect(skipped.headers.get('ratelimit')).toBeNull()
  })

  it('key with ipHeader: the key is counted, the header’s address is matched by deny', async () => {
    const limiter = perMinute(1)
    const check = rateLimit({
      limiter,
      key: (req) => req.headers.get('x-user') ?? 'anonymous',
      ipHeader: 'cf-connecting-ip',
      deny: { addresses: ['203.0.113.0/24'] },
    })
    const from = (address: string, user: string) => request({ 'cf-connecting-ip': address, 'x-user': user })
    expect((await check(from('203.0.113.7', 'ann')))?.status).toBe(403)
    expect(await check(from('198.51.100.7', 'ann'))).toBeNull()
    expect((await check(from('198.51.100.8', 'ann')))?.status).toBe(429)
    expect((await limiter.peek('ann')).remaining).toBe(0)
    expect((await limiter.peek('198.51.100.7')).remaining).toBe(1)
  })
})
