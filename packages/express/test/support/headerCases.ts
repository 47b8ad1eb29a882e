import { type Decision, fixedWindow, type ProblemDetails } from '@sluice/core'
import { expect, it } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './server.ts'

/** Headers, refusals, keys and client identity over real HTTP. */
export function headerCases(h: Harness): void {
  const { app, limiterOf, perMinute } = h
  it('draft-10 headers by default, exact bytes, and the decision on req.rateLimit', async () => {
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
    const res = await fetch(both)
    expect(
      headersOf(res, 'ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining'),
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
    const res = await fetch(url)
    expect(headersOf(res, 'ratelimit-policy', 'ratelimit')).toEqual({
      'ratelimit-policy': '"perMinute";q=2;w=60, "burst";q=5;w=60',
      ratelimit: '"perMinute";r=1;t=42, "burst";r=4;t=42',
    })
  })

  it('key, cost and skip', async () => {
    const { url, handled } = await app([
      rateLimit({
        limiter: perMinute(5),
        key: (req) => String(req.headers['x-user']),
        cost: (req) => Number(req.headers['x-cost'] ?? 1),
        skip: (req) => req.path === '/health',
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

  it("X-Forwarded-For is honoured behind app.set('trust proxy'), IPv6 grouped by /64", async () => {
    const { url } = await app([rateLimit({ limiter: perMinute(1) })], (a) => a.set('trust proxy', 'loopback'))
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

  it('ipv6Subnet sets how IPv6 clients are grouped; 6to4 and Teredo count as the IPv4 they carry', async () => {
    const trust = (a: { set(setting: string, value: string): unknown }) => {
      a.set('trust proxy', 'loopback')
    }
    const byDefault = (await app([rateLimit({ limiter: perMinute(1) })], trust)).url
    const wide = (await app([rateLimit({ limiter: perMinute(1), ipv6Subnet: 48 })], trust)).url
    const from = (url: string, address: string) =>
      fetch(url, { headers: { 'x-forwarded-for': address } }).then((r) => r.status)
    // Two /64s of one /48: two clients by default, one with ipv6Subnet: 48.
    expect([await from(byDefault, '2001:db8:1:1::1'), await from(byDefault, '2001:db8:1:2::1')]).toEqual([
      200, 200,
    ])
    expect([await from(wide, '2001:db8:1:1::1'), await from(wide, '2001:db8:1:2::1')]).toEqual([200, 429])
    expect(await from(wide, '2001:db8:2:1::1')).toBe(200)
    // 203.0.113.9 natively, then as a 6to4 site and as a Teredo client: one budget.
    expect(await from(byDefault, '203.0.113.9')).toBe(200)
    expect(await from(byDefault, '2002:cb00:7109:5::1')).toBe(429)
    expect(await from(byDefault, '2001:0:4136:e378:8000:63bf:34ff:8ef6')).toBe(429)
  })
}
