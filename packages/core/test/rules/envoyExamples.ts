// The documented examples of the Envoy/Lyft ratelimit service, run through a real store. Shared by
// core's tests (reference store) and @sluice/ioredis's (Redis and Redis Cluster).
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/entries/store.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Descriptor, type ShadowDeny } from '../../src/index.ts'

/** `[['a', '1'], ['b', '2']]` → a descriptor. */
export const d = (...entries: [string, string][]): Descriptor =>
  entries.map(([key, value]) => ({ key, value }))

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (86_400_000 * 365))

/** A limiter over `rules` on a fresh store, with a clock the test moves. */
export function setup(makeStore: () => Store, yaml: string, extra: Record<string, unknown> = {}) {
  let now = T0
  const limiter = createRateLimiter({
    store: makeStore(),
    rules: parseRules(yaml),
    prefix: `t${Math.random().toString(36).slice(2)}`,
    clock: () => now,
    ...extra,
  })
  const limit = (cost: number, ...descriptors: Descriptor[]) => limiter.limit({ descriptors }, { cost })
  const peek = (...descriptors: Descriptor[]) => limiter.peek({ descriptors })
  return { limiter, limit, peek, advance: (ms: number) => (now += ms) }
}

export function envoyExamples(label: string, makeStore: () => Store): void {
  describe(`Envoy service examples through ${label}`, () => {
    it('example 1: per-key values, each with its own 500/s; an unknown value has no limit', async () => {
      const { limit } = setup(
        makeStore,
        `domain: mongo_cps
descriptors:
  - key: database
    value: users
    rate_limit:
      unit: second
      requests_per_unit: 500

  - key: database
    value: default
    rate_limit:
      unit: second
      requests_per_unit: 500
`,
      )
      expect((await limit(500, d(['database', 'users']))).allowed).toBe(true)
      const over = await limit(1, d(['database', 'users']))
      expect(over).toMatchObject({ allowed: false, limit: 500, remaining: 0 })
      expect((await limit(500, d(['database', 'default']))).allowed).toBe(true)
      const unknown = await limit(10_000, d(['database', 'other']))
      expect(unknown).toMatchObject({ allowed: true, policies: [] })
    })

    it('example 2: nested descriptors, every matching limit checked together', async () => {
      const { limit, peek } = setup(
        makeStore,
        `domain: messaging
descriptors:
  # Only allow 5 marketing messages a day
  - key: message_type
    value: marketing
    descriptors:
      - key: to_number
        rate_limit:
          unit: day
          requests_per_unit: 5

  # Only allow 100 messages a day to any unique phone number
  - key: to_number
    rate_limit:
      unit: day
      requests_per_unit: 100
`,
      )
      const marketing = (n: string) => [
        d(['message_type', 'marketing'], ['to_number', n]),
        d(['to_number', n]),
      ]
      for (let i = 0; i < 5; i++) expect((await limit(1, ...marketing('2061111111'))).allowed).toBe(true)
      const sixth = await limit(1, ...marketing('2061111111'))
      expect(sixth.allowed).toBe(false)
      // Policies are named by the rules (keys, and values the file gives), never by the number.
      expect(sixth.policy).toBe('message_type_marketing.to_number')
      expect(sixth.policies.map((p) => [p.policy, p.allowed])).toEqual([
        ['message_type_marketing.to_number', false],
        ['to_number', true],
      ])
      // Atomic: the denied request took nothing from the 100/day limit.
      expect((await peek(d(['to_number', '2061111111']))).remaining).toBe(95)
      // Each number has its own counters.
      expect((await limit(1, ...marketing('2062222222'))).allowed).toBe(true)
      // The placeholder level alone has no limit.
      expect((await limit(1, d(['message_type', 'marketing']))).policies).toEqual([])
    })

    it('example 3: key+value is matched before the key alone', async () => {
      const { limit } = setup(
        makeStore,
        `domain: edge_proxy_per_ip
descriptors:
  - key: remote_address
    rate_limit:
      unit: second
      requests_per_unit: 10

  - key: remote_address
    value: 50.0.0.5
    rate_limit:
      unit: second
      requests_per_unit: 1
`,
      )
      expect((await limit(10, d(['remote_address', '50.0.0.1']))).allowed).toBe(true)
      expect((await limit(1, d(['remote_address', '50.0.0.1']))).allowed).toBe(false)
      expect(await limit(1, d(['remote_address', '50.0.0.5']))).toMatchObject({ allowed: true, limit: 1 })
      expect((await limit(1, d(['remote_address', '50.0.0.5']))).allowed).toBe(false)
    })

    it('example 4: a limit applies only at the depth of the descriptor', async () => {
      const flat = setup(
        makeStore,
        `domain: example4
descriptors:
  - key: key
    value: value
    rate_limit:
      requests_per_unit: 300
      unit: second
`,
      )
      expect((await flat.limit(1, d(['key', 'value'], ['subkey', 'subvalue']))).policies).toEqual([])
      expect((await flat.limit(1, d(['key', 'value']))).limit).toBe(300)
      const nested = setup(
        makeStore,
        `domain: example4
descriptors:
  - key: key
    value: value
    descriptors:
      - key: subkey
        rate_limit:
          requests_per_unit: 300
          unit: second
`,
      )
      const decision = await nested.limit(300, d(['key', 'value'], ['subkey', 'subvalue']))
      expect(decision).toMatchObject({ allowed: true, limit: 300, remaining: 0 })
      expect((await nested.limit(1, d(['key', 'value']))).policies).toEqual([])
    })

    it('example 5: unlimited descriptors allow without counting; others count', async () => {
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
      expect(ldap).toMatchObject({ allowed: true, policies: [] })
      const both = await limit(100, d(['ldap', 'x']), d(['azure', 'y']))
      expect(both.policies.map((p) => p.policy)).toEqual(['azure'])
      expect((await limit(1, d(['ldap', 'x']), d(['azure', 'y']))).allowed).toBe(false)
    })

    it('example 6: shadow_mode evaluates and reports but never denies', async () => {
      const events: ShadowDeny[] = []
      const { limit } = setup(
        makeStore,
        `domain: example6
descriptors:
  - key: service
    descriptors:
      - key: user
        value: user-a
        rate_limit:
          requests_per_unit: 10
          unit: second
        shadow_mode: true
      - key: user
        value: user-b
        rate_limit:
          requests_per_unit: 20
          unit: second
`,
        { onShadowDeny: (e: ShadowDeny) => events.push(e) },
      )
      const userA = d(['service', 'auth-service'], ['user', 'user-a'])
      for (let i = 0; i < 10; i++) expect((await limit(1, userA)).allowed).toBe(true)
      expect(events).toEqual([])
      const breach = await limit(1, userA)
      expect(breach.allowed).toBe(true)
      expect(breach.policies).toEqual([])
      expect(breach.shadow?.map((p) => [p.policy, p.allowed, p.limit])).toEqual([
        ['service.user_user-a', false, 10],
      ])
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ domain: 'example6', descriptor: userA, policy: { allowed: false } })
      const userB = d(['service', 'auth-service'], ['user', 'user-b'])
      expect((await limit(20, userB)).allowed).toBe(true)
      expect((await limit(1, userB)).allowed).toBe(false)
    })

    it('example 7: replaces drops the replaced limit and leaves its counter alone', async () => {
      const { limit, peek } = setup(
        makeStore,
        `domain: example7
descriptors:
  - key: key_1
    value: value_1
    descriptors:
      - key: user
        value: bkthomps
        rate_limit:
          name: specific_limit
          requests_per_unit: 5
          unit: second
  - key: key_2
    value: value_2
    descriptors:
      - key: user
        value: bkthomps
        rate_limit:
          replaces:
            - name: specific_limit
          requests_per_unit: 10
          unit: second
`,
      )
      const one = d(['key_1', 'value_1'], ['user', 'bkthomps'])
      const two = d(['key_2', 'value_2'], ['user', 'bkthomps'])
      const both = await limit(10, one, two)
      expect(both.allowed).toBe(true)
      expect(both.policies.map((p) => p.policy)).toEqual(['key_2_value_2.user_bkthomps'])
      // The 5/s limit was not touched by the combined request.
      expect(await peek(one)).toMatchObject({ remaining: 5, policy: 'specific_limit' })
      expect((await limit(5, one)).allowed).toBe(true)
      expect((await limit(1, one)).allowed).toBe(false)
      expect((await limit(1, two)).allowed).toBe(false)
    })

    it('example 8: detailed_metric loads; values still get their own counters', async () => {
      const { limit } = setup(
        makeStore,
        `domain: example8
descriptors:
  - key: key1
    detailed_metric: true
    rate_limit:
      unit: minute
      requests_per_unit: 10
  - key: key1
    value: value1
    rate_limit:
      unit: minute
      requests_per_unit: 20
`,
      )
      expect((await limit(10, d(['key1', 'unspecified_value']))).allowed).toBe(true)
      expect((await limit(10, d(['key1', 'unspecified_value2']))).allowed).toBe(true)
      expect((await limit(1, d(['key1', 'unspecified_value']))).allowed).toBe(false)
      expect(await limit(20, d(['key1', 'value1']))).toMatchObject({ allowed: true, limit: 20 })
    })

    it('example 9: a wildcard value matches by prefix and counts each value on its own', async () => {
      const { limit, advance } = setup(
        makeStore,
        `domain: example9
descriptors:
  - key: key1
    value: value*
    rate_limit:
      unit: minute
      requests_per_unit: 20
`,
      )
      expect(await limit(20, d(['key1', 'value_1']))).toMatchObject({ allowed: true, limit: 20 })
      expect((await limit(1, d(['key1', 'value_1']))).allowed).toBe(false)
      expect((await limit(20, d(['key1', 'value_2']))).allowed).toBe(true)
      expect((await limit(1, d(['key1', 'other']))).policies).toEqual([])
      advance(60_000)
      expect((await limit(1, d(['key1', 'value_1']))).allowed).toBe(true)
    })

    it('a descriptor with no limit and no children allow-lists its value', async () => {
      const { limit } = setup(
        makeStore,
        `domain: allow
descriptors:
  - key: remote_address
    rate_limit: { unit: second, requests_per_unit: 1 }
  - key: remote_address
    value: 10.0.0.1
`,
      )
      expect((await limit(1, d(['remote_address', '10.0.0.2']))).allowed).toBe(true)
      expect((await limit(1, d(['remote_address', '10.0.0.2']))).allowed).toBe(false)
      for (let i = 0; i < 3; i++) {
        expect(await limit(1, d(['remote_address', '10.0.0.1']))).toMatchObject({
          allowed: true,
          policies: [],
        })
      }
    })

    it('atomic: a request denied by its second limit consumed nothing from its first', async () => {
      const { limit, peek } = setup(
        makeStore,
        `domain: api
descriptors:
  - key: user
    rate_limit: { unit: second, requests_per_unit: 10, algorithm: gcra, burst: 20 }
    descriptors:
      - key: plan
        value: free
        rate_limit: { unit: day, requests_per_unit: 3, algorithm: sliding_window }
  - key: route
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 5, name: login }
`,
      )
      const request = [d(['route', '/login']), d(['user', '42'], ['plan', 'free'])]
      for (let i = 0; i < 3; i++) expect((await limit(1, ...request)).allowed).toBe(true)
      const denied = await limit(1, ...request)
      expect(denied).toMatchObject({ allowed: false, policy: 'user.plan_free' })
      expect(denied.policies.map((p) => p.allowed)).toEqual([true, false])
      expect((await peek(d(['route', '/login']))).remaining).toBe(2)
      expect(denied.limits?.map((l) => l.kind)).toEqual(['fixedWindow', 'slidingWindow'])
    })

    it('global shadowMode: every rule is reported, none denies', async () => {
      const events: ShadowDeny[] = []
      const { limit } = setup(
        makeStore,
        'domain: g\ndescriptors:\n  - key: user\n    rate_limit: { unit: hour, requests_per_unit: 2 }\n',
        { shadowMode: true, onShadowDeny: (e: ShadowDeny) => events.push(e) },
      )
      for (let i = 0; i < 4; i++) {
        const decision = await limit(1, d(['user', 'u']))
        expect(decision).toMatchObject({ allowed: true, policies: [] })
        expect(decision.shadow?.[0]?.allowed).toBe(i < 2)
      }
      expect(events).toHaveLength(2)
    })
  })
}
