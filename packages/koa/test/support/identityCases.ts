// Who a request is: ctx.ip behind app.proxy or not, IPv6 grouping and IPv4-carrying addresses.
import { expect, it } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'

/** Who a request is: the client address as Koa resolves it, grouped by core, over real HTTP. */
export function identityCases(h: Harness): void {
  const { app, perMinute } = h
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

  it('ipv6Subnet sets how IPv6 clients are grouped; 6to4 and Teredo count as the IPv4 they carry', async () => {
    const proxied = (a: { proxy: boolean }) => {
      a.proxy = true
    }
    const byDefault = (await app([rateLimit({ limiter: perMinute(1) })], proxied)).url
    const wide = (await app([rateLimit({ limiter: perMinute(1), ipv6Subnet: 48 })], proxied)).url
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
