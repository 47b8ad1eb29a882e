// allow and deny: client addresses (CIDR, IPv4-mapped) and keys answered before the store: 403, or a pass uncounted.
import { accessList, type Decision, fixedWindow, StoreError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { problemContentType } from './adapter.ts'
import type { Harness } from './harness.ts'
import { headersOf, json, PEER_HEADER } from './harness.ts'

/** The body of a 403 for a denied client, as every binding sends it. */
const CLIENT_DENIED =
  '{"type":"https://github.com/sluice-ts/sluice/blob/main/packages/core/docs/access-lists.md#client-denied","title":"Client denied","status":403,"detail":"This client is on the deny list of this server; retrying will not help.","violated-policies":[]}'

export function listCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, adapter, perMinute, limiterOf } = h
  const header = (req: Req, name: string) => adapter.header(req, name)
  /**
   * A limiter whose store fails every call (the suite's faulty store, no `onStoreError`): a request
   * that reaches the store is a 500, so a 403 or a 200 proves the store was never asked.
   */
  const storeless = () =>
    limiterOf(fixedWindow({ limit: 1, window: '1m', name: 'api' }), { store: h.options.faultyStore() })
  const from = (url: string, address: string, headers: Record<string, string> = {}) =>
    fetch(url, { headers: { [PEER_HEADER]: address, ...headers } })

  describe('allow and deny lists', () => {
    it('a denied address is a 403 problem without Retry-After or rate-limit headers, before the store', async () => {
      const { url, handled, errors } = await serve(
        { limiter: storeless(), deny: { addresses: ['203.0.113.0/24', '2001:db8:bad::/48'] } },
        { peer: 'header' },
      )
      for (const address of ['203.0.113.7', '::ffff:203.0.113.8', '2001:db8:bad:1::1']) {
        const res = await from(url, address)
        expect(res.status).toBe(403)
        expect(
          headersOf(res, 'content-type', 'cache-control', 'retry-after', 'ratelimit', 'ratelimit-policy'),
        ).toEqual({
          'content-type': problemContentType(adapter),
          'cache-control': 'no-store',
          'retry-after': null,
          ratelimit: null,
          'ratelimit-policy': null,
        })
        expect(await res.text()).toBe(CLIENT_DENIED)
      }
      expect([handled(), errors]).toEqual([0, []])
      // Anyone else reaches the store, which fails: what the denied requests never did.
      expect((await from(url, '203.0.114.7')).status).toBe(500)
      expect(errors[0]).toBeInstanceOf(StoreError)
    })

    it('an allowed address or key passes uncounted: no rate-limit headers, no decision, the store never asked', async () => {
      const { url, handled, errors } = await serve(
        {
          limiter: storeless(),
          key: (req) => header(req, 'x-user') ?? 'anonymous',
          allow: { addresses: ['10.0.0.0/8', '2001:db8::/32'], keys: ['admin'] },
        },
        { peer: 'header' },
      )
      for (const [address, user] of [
        ['10.1.2.3', 'ann'],
        ['::ffff:10.9.9.9', 'bob'],
        ['2001:db8:1:2::3', 'cy'],
        ['192.0.2.1', 'admin'],
        ['192.0.2.1', 'admin'],
      ] as const) {
        const res = await from(url, address, { 'x-user': user })
        expect(res.status).toBe(200)
        expect(headersOf(res, 'ratelimit', 'ratelimit-policy')).toEqual({
          ratelimit: null,
          'ratelimit-policy': null,
        })
        expect(await json<{ rateLimit: Decision | null }>(res)).toEqual({ rateLimit: null })
      }
      expect([handled(), errors]).toEqual([5, []])
    })

    it('deny wins over allow, for addresses and keys alike', async () => {
      const { url, handled } = await serve(
        {
          limiter: storeless(),
          key: (req) => header(req, 'x-user') as string,
          allow: { addresses: ['10.0.0.0/8'], keys: ['admin'] },
          deny: { addresses: ['10.6.6.0/24'], keys: ['mallory'] },
        },
        { peer: 'header' },
      )
      expect((await from(url, '10.6.6.6', { 'x-user': 'admin' })).status).toBe(403)
      expect((await from(url, '10.1.1.1', { 'x-user': 'mallory' })).status).toBe(403)
      expect((await from(url, '10.1.1.1', { 'x-user': 'ann' })).status).toBe(200)
      expect(handled()).toBe(1)
    })

    it('an accessList changed at run time applies from the next request on', async () => {
      const deny = accessList()
      const { url } = await serve({ limiter: perMinute(5), deny }, { peer: 'header' })
      expect((await from(url, '198.51.100.7')).headers.get('ratelimit')).toBe('"api";r=4;t=42')
      deny.add({ addresses: ['198.51.100.0/24'] })
      expect((await from(url, '198.51.100.7')).status).toBe(403)
      deny.remove({ addresses: ['198.51.100.0/24'] })
      // The refused request took nothing from the budget.
      expect((await from(url, '198.51.100.7')).headers.get('ratelimit')).toBe('"api";r=3;t=42')
    })

    it("the limiter's own lists: deny is the same 403, allow passes without headers with its decision", async () => {
      const limiter = limiterOf(fixedWindow({ limit: 1, window: '1m', name: 'api' }), {
        store: h.options.faultyStore(),
        allow: { addresses: ['192.0.2.0/24'] },
        deny: { addresses: ['198.51.100.0/24'] },
      })
      const { url, errors } = await serve({ limiter }, { peer: 'header' })
      const denied = await from(url, '198.51.100.1')
      expect([denied.status, denied.headers.get('retry-after'), await denied.text()]).toEqual([
        403,
        null,
        CLIENT_DENIED,
      ])
      const allowed = await from(url, '192.0.2.1')
      expect([allowed.status, allowed.headers.get('ratelimit')]).toEqual([200, null])
      expect((await json<{ rateLimit: Decision }>(allowed)).rateLimit).toMatchObject({
        allowed: true,
        listed: 'allow',
      })
      expect(errors).toEqual([])
    })

    it('onLimited receives a denial as status 403 with the decision listed deny', async () => {
      const { url } = await serve(
        {
          limiter: perMinute(5),
          deny: { addresses: ['203.0.113.1'] },
          onLimited: adapter.onLimited(async (limited, decision) => ({
            status: limited.status,
            listed: limited.decision.listed,
            exposed: decision?.listed,
          })),
        },
        { peer: 'header' },
      )
      const res = await from(url, '203.0.113.1')
      expect(res.status).toBe(403)
      expect(await res.json()).toEqual({ status: 403, listed: 'deny', exposed: 'deny' })
    })

    it('X-Forwarded-For cannot claim an allowed address unless the framework trusts the proxy', async () => {
      const limiter = perMinute(1)
      const options = { limiter, allow: { addresses: ['10.0.0.0/8'] } }
      const untrusted = await serve(options)
      const spoof = { 'x-forwarded-for': '10.0.0.1' }
      expect((await fetch(untrusted.url, { headers: spoof })).status).toBe(200)
      expect((await fetch(untrusted.url, { headers: spoof })).status).toBe(429)
      if (!adapter.trustProxy) return
      const trusted = await serve(options, { trustProxy: true })
      for (let i = 0; i < 3; i++) expect((await fetch(trusted.url, { headers: spoof })).status).toBe(200)
    })
  })
}
