// Who a request is: the peer address, a trusted proxy's X-Forwarded-For, IPv6 grouping, IPv4 in IPv6.
import { InputError } from '@sluice/core'
import { describe, expect, it, vi } from 'vitest'
import { BAD_REQUEST } from './badRequests.ts'
import type { Harness, ServeOptions } from './harness.ts'
import { PEER_HEADER } from './harness.ts'

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function identityCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, serve, adapter } = h
  /** Status of a request from `address`, told to the app by `header`. */
  const from = (url: string, header: string, address: string) =>
    fetch(url, { headers: { [header]: address } }).then((r) => r.status)

  /** The same checks for the peer address and, where the framework has one, its trusted proxy. */
  function addressCases(label: string, header: string, serveOptions: ServeOptions): void {
    it(`${label}: each IPv4 address is a client, IPv6 grouped by /64, IPv4-mapped IPv6 counted as IPv4`, async () => {
      const { url } = await serve({ limiter: perMinute(1) }, serveOptions)
      expect(await from(url, header, '203.0.113.1')).toBe(200)
      expect(await from(url, header, '203.0.113.2')).toBe(200)
      expect(await from(url, header, '203.0.113.1')).toBe(429)
      expect(await from(url, header, '2001:db8:1:2::1')).toBe(200)
      expect(await from(url, header, '2001:db8:1:2:ffff::2')).toBe(429)
      expect(await from(url, header, '::ffff:203.0.113.2')).toBe(429)
    })

    it(`${label}: ipv6Subnet sets the grouping; 6to4, Teredo and NAT64 count as the IPv4 they carry`, async () => {
      const byDefault = (await serve({ limiter: perMinute(1) }, serveOptions)).url
      const wide = (await serve({ limiter: perMinute(1), ipv6Subnet: 48 }, serveOptions)).url
      // Two /64s of one /48: two clients by default, one with ipv6Subnet: 48.
      expect([
        await from(byDefault, header, '2001:db8:1:1::1'),
        await from(byDefault, header, '2001:db8:1:2::1'),
      ]).toEqual([200, 200])
      expect([
        await from(wide, header, '2001:db8:1:1::1'),
        await from(wide, header, '2001:db8:1:2::1'),
      ]).toEqual([200, 429])
      expect(await from(wide, header, '2001:db8:2:1::1')).toBe(200)
      // 203.0.113.9 natively, then as a 6to4 site, a Teredo client and through NAT64: one budget.
      expect(await from(byDefault, header, '203.0.113.9')).toBe(200)
      expect(await from(byDefault, header, '2002:cb00:7109:5::1')).toBe(429)
      expect(await from(byDefault, header, '2001:0:4136:e378:8000:63bf:34ff:8ef6')).toBe(429)
      expect(await from(byDefault, header, '64:ff9b::203.0.113.9')).toBe(429)
    })

    it(`${label}: an address that is not an IP is a 400`, async () => {
      const { url, errors, handled } = await serve({ limiter: perMinute(5) }, serveOptions)
      const res = await fetch(url, { headers: { [header]: 'unknown' } })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { detail: string }).detail).toBe(BAD_REQUEST.address)
      expect(errors).toEqual([])
      expect(handled()).toBe(0)
    })
  }

  describe('identity', () => {
    it('the default key is the peer address', async () => {
      const limiter = perMinute(5)
      const { url } = await serve({ limiter })
      await fetch(url)
      expect((await limiter.peek('127.0.0.1')).remaining).toBe(4)
    })

    it('X-Forwarded-For, X-Real-IP and Forwarded give no fresh budget when no proxy is trusted', async () => {
      const limiter = perMinute(2)
      const { url } = await serve({ limiter })
      const statuses: number[] = []
      for (const spoof of ['203.0.113.1', '203.0.113.2', '198.51.100.7, 203.0.113.3']) {
        const headers = { 'X-Forwarded-For': spoof, 'X-Real-IP': spoof, Forwarded: `for=${spoof}` }
        statuses.push((await fetch(url, { headers })).status)
      }
      expect(statuses).toEqual([200, 200, 429])
      expect((await limiter.peek('203.0.113.1')).remaining).toBe(2)
    })

    it('an IPv6 peer is grouped by /64', async (ctx) => {
      const limiter = perMinute(5)
      const served = await serve({ limiter }, { host: '::1' }).catch(() => undefined)
      if (served === undefined) return ctx.skip('no IPv6 loopback on this machine')
      await fetch(served.url)
      expect((await limiter.peek('::/64')).remaining).toBe(4)
    })

    addressCases('peer address', PEER_HEADER, { peer: 'header' })
    if (adapter.trustProxy) addressCases('behind a trusted proxy', 'x-forwarded-for', { trustProxy: true })

    it("a request without a client address goes to the framework's error handler, naming the fix", async () => {
      const { url, errors, handled } = await serve({ limiter: perMinute(5) }, { peer: 'gone' })
      await expect(fetch(url)).rejects.toThrow()
      await vi.waitFor(() => expect(errors).toHaveLength(1))
      expect(errors[0]).toBeInstanceOf(InputError)
      const message = (errors[0] as Error).message
      expect(message).toMatch(
        new RegExp(
          `^${adapter.factory ?? 'rateLimit'}: the request has no client address \\(${literal(adapter.clientAddressSource)} is `,
        ),
      )
      expect(message).toMatch(/pass key: \(\w+\) => string/)
      expect(handled()).toBe(0)
    })
  })
}
