// The current Envoy ratelimit service's documented cases (wildcards anywhere, requests_per_unit: 0,
// unlimited, share_threshold, unit_multiplier), written from its README and configuration docs, run
// through a real store. Shared by core's tests (reference store) and @sluice/ioredis's (Redis, Cluster).
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/entries/store.ts'
import { d, setup } from './envoyExamples.ts'

export function envoyCurrentExamples(label: string, makeStore: () => Store): void {
  describe(`current Envoy service format through ${label}`, () => {
    it('README example 3 as written: requests_per_unit 0 block-lists one address, refused without counting', async () => {
      const { limit, peek } = setup(
        makeStore,
        `domain: edge_proxy_per_ip
descriptors:
  - key: remote_address
    rate_limit:
      unit: second
      requests_per_unit: 10

  # Black list IP
  - key: remote_address
    value: 50.0.0.5
    rate_limit:
      unit: second
      requests_per_unit: 0
`,
      )
      const blocked = await limit(1, d(['remote_address', '50.0.0.5']))
      expect(blocked).toMatchObject({
        allowed: false,
        limit: 0,
        remaining: 0,
        retryAfterMs: 1000,
        policy: 'remote_address_50.0.0.5',
      })
      expect(blocked.limits?.map((l) => [l.name, l.limit, l.windowMs])).toEqual([
        ['remote_address_50.0.0.5', 0, 1000],
      ])
      // Another address still gets its 10 a second; with the blocked one in the same request, the
      // request is refused and the other address's counter is untouched.
      const other = d(['remote_address', '50.0.0.1'])
      expect((await limit(1, other, d(['remote_address', '50.0.0.5']))).allowed).toBe(false)
      expect((await peek(other)).remaining).toBe(10)
      expect((await limit(10, other)).allowed).toBe(true)
      expect((await limit(1, other)).allowed).toBe(false)
      // A peek (cost 0) lists the block with nothing left.
      const peeked = await peek(d(['remote_address', '50.0.0.5']))
      expect(peeked.policies).toEqual([
        expect.objectContaining({ policy: 'remote_address_50.0.0.5', remaining: 0 }),
      ])
    })

    it('README example 5: an unlimited match is told apart from no match', async () => {
      const { limit } = setup(
        makeStore,
        `domain: internal
descriptors:
  - key: ldap
    rate_limit:
      unlimited: true
  - key: azure
    rate_limit:
      unit: minute
      requests_per_unit: 100
`,
      )
      const ldap = await limit(1_000_000, d(['ldap', 'x']))
      expect(ldap).toMatchObject({ allowed: true, policies: [], unlimited: ['ldap'] })
      const none = await limit(1, d(['gcp', 'x']))
      expect(none.policies).toEqual([])
      expect(none.unlimited).toBeUndefined()
      const both = await limit(1, d(['ldap', 'x']), d(['azure', 'y']))
      expect(both).toMatchObject({
        unlimited: ['ldap'],
        policies: [expect.objectContaining({ policy: 'azure' })],
      })
    })

    it('wildcards anywhere in a value: prefix, middle, repeated; exact first, then file order, then the key alone', async () => {
      const { limit } = setup(
        makeStore,
        `domain: test-domain
descriptors:
  - key: wild
    value: foo*
    rate_limit: { unit: minute, requests_per_unit: 20 }
  - key: midWild
    value: bar*b
    rate_limit: { unit: minute, requests_per_unit: 21 }
  - key: path
    value: /api/*/action
    rate_limit: { unit: minute, requests_per_unit: 22 }
  - key: path
    value: /api/*
    rate_limit: { unit: minute, requests_per_unit: 23 }
  - key: path
    value: /api/v1/action
    rate_limit: { unit: minute, requests_per_unit: 24 }
  - key: path
    rate_limit: { unit: minute, requests_per_unit: 25 }
  - key: multi
    value: a*b*c
    rate_limit: { unit: minute, requests_per_unit: 26 }
`,
      )
      const quota = async (key: string, value: string) => {
        const decision = await limit(0, d([key, value]))
        return decision.policies.length === 0 ? undefined : decision.limit
      }
      expect(await quota('wild', 'foo')).toBe(20)
      expect(await quota('wild', 'foobar')).toBe(20)
      expect(await quota('wild', 'xfoo')).toBeUndefined()
      expect(await quota('midWild', 'barb')).toBe(21)
      expect(await quota('midWild', 'bar-and-b')).toBe(21)
      expect(await quota('midWild', 'bar-and-c')).toBeUndefined()
      // A literal `*` in a request value is a character like any other.
      expect(await quota('midWild', 'bar*b')).toBe(21)
      expect(await quota('path', '/api/v2/action')).toBe(22)
      // Exact beats any wildcard; the first wildcard in file order beats later ones.
      expect(await quota('path', '/api/v1/action')).toBe(24)
      expect(await quota('path', '/api/v2/other')).toBe(23)
      expect(await quota('path', '/web')).toBe(25)
      expect(await quota('multi', 'abc')).toBe(26)
      expect(await quota('multi', 'a-b-b-c')).toBe(26)
      expect(await quota('multi', 'acb')).toBeUndefined()
    })

    it('share_threshold: every value one wildcard matches shares one counter, atomically with the rest', async () => {
      const { limit, peek } = setup(
        makeStore,
        `domain: test-domain
descriptors:
  - key: files
    value: files/*
    share_threshold: true
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: file
    value: test1
    rate_limit: { unit: minute, requests_per_unit: 50 }
  - key: file
    value: test*
    share_threshold: true
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: tenant
    value: t*prod
    share_threshold: true
    descriptors:
      - key: resource
        value: res*v2
        rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: other
    value: other/*
    rate_limit: { unit: minute, requests_per_unit: 1 }
`,
      )
      expect((await limit(1, d(['files', 'files/a']))).remaining).toBe(2)
      expect((await limit(1, d(['files', 'files/b']))).remaining).toBe(1)
      expect((await limit(1, d(['files', 'files/c/d']))).remaining).toBe(0)
      expect((await limit(1, d(['files', 'files/e']))).allowed).toBe(false)
      // The exact value keeps its own counter; the wildcard's values share theirs.
      expect((await limit(1, d(['file', 'test1']))).limit).toBe(50)
      expect((await limit(2, d(['file', 'test2']))).allowed).toBe(true)
      expect((await limit(1, d(['file', 'test3']))).allowed).toBe(false)
      // Shared at the first level only: each resource value has its own counter within it.
      expect((await limit(2, d(['tenant', 't1prod'], ['resource', 'res1v2']))).allowed).toBe(true)
      expect((await limit(1, d(['tenant', 't2prod'], ['resource', 'res1v2']))).allowed).toBe(false)
      expect((await limit(1, d(['tenant', 't2prod'], ['resource', 'res2v2']))).allowed).toBe(true)
      // Without share_threshold, each value has its own counter.
      expect((await limit(1, d(['other', 'other/a']))).allowed).toBe(true)
      expect((await limit(1, d(['other', 'other/b']))).allowed).toBe(true)
      // A shared counter refusing a request takes nothing from another limit of it.
      expect((await limit(1, d(['files', 'files/x']), d(['other', 'other/c']))).allowed).toBe(false)
      expect((await peek(d(['other', 'other/c']))).remaining).toBe(1)
    })

    it('unit_multiplier: the window is unit × unit_multiplier', async () => {
      const { limit, advance } = setup(
        makeStore,
        `domain: test-domain
descriptors:
  - key: key1
    rate_limit:
      unit: minute
      requests_per_unit: 2
      unit_multiplier: 5
`,
      )
      const first = await limit(2, d(['key1', 'a']))
      expect(first.limits?.[0]?.windowMs).toBe(300_000)
      advance(60_000)
      expect((await limit(1, d(['key1', 'a']))).allowed).toBe(false)
      advance(240_000)
      expect((await limit(1, d(['key1', 'a']))).allowed).toBe(true)
    })
  })
}
