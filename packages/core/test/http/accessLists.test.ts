// The bindings' allow and deny: client address and key matched before the limiter; 403 or skip; the limiter's own lists.
import { describe, expect, it } from 'vitest'
import { createRateLimitCheck, type RateLimitOutcome } from '../../src/entries/http.ts'
import { accessList, ConfigError, createRateLimiter, fixedWindow, parseRules } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

interface Req {
  ip?: string
  user?: string
  path?: string
}

const spec = { factory: 'rateLimit', clientAddress: (req: Req) => req.ip, clientAddressSource: 'req.ip' }
const clock = () => 1_699_999_998_000

function limiter(extra: object = {}) {
  const t = testStore()
  const made = createRateLimiter({
    store: t.store,
    algorithm: fixedWindow({ limit: 1, window: '1m', name: 'api' }),
    clock,
    shareCounters: true,
    ...extra,
  })
  return { limiter: made, counts: t.counts }
}

const DENIED_BODY =
  '{"type":"https://github.com/sluice-ts/sluice/blob/main/packages/core/docs/access-lists.md#client-denied","title":"Client denied","status":403,"detail":"This client is on the deny list of this server; retrying will not help.","violated-policies":[]}'

function expectDenied(outcome: RateLimitOutcome): void {
  expect(outcome.action).toBe('limit')
  const limit = outcome as Extract<RateLimitOutcome, { action: 'limit' }>
  expect(limit.headers).toEqual([['Cache-Control', 'no-store']])
  expect(limit.limited).toMatchObject({
    status: 403,
    contentType: 'application/problem+json',
    body: DENIED_BODY,
  })
  expect(limit.decision.listed).toBe('deny')
}

describe('createRateLimitCheck: allow and deny', () => {
  it('a denied address is a 403 without Retry-After or rate-limit headers, the limiter never asked', async () => {
    const { limiter: l, counts } = limiter()
    const { check } = createRateLimitCheck({ limiter: l, deny: { addresses: ['203.0.113.0/24'] } }, spec)
    expectDenied(await check({ ip: '203.0.113.9' }))
    expectDenied(await check({ ip: '::ffff:203.0.113.9' }))
    expect(counts.apply).toBe(0)
    expect((await check({ ip: '198.51.100.1' })).action).toBe('allow')
    expect(counts.apply).toBe(1)
  })

  it('an allowed address or key is skipped: no headers, nothing counted', async () => {
    const { limiter: l, counts } = limiter()
    const { check } = createRateLimitCheck(
      {
        limiter: l,
        key: (req: Req) => req.user ?? 'anon',
        allow: { addresses: ['10.0.0.0/8'], keys: ['admin'] },
      },
      spec,
    )
    for (let i = 0; i < 3; i++) {
      expect(await check({ ip: '10.1.2.3', user: 'ann' })).toEqual({ action: 'skip' })
      expect(await check({ ip: '192.0.2.1', user: 'admin' })).toEqual({ action: 'skip' })
    }
    expect(counts.apply).toBe(0)
    expect((await check({ ip: '192.0.2.1', user: 'bob' })).action).toBe('allow')
    expect((await check({ ip: '192.0.2.1', user: 'bob' })).action).toBe('limit')
  })

  it('deny wins: a denied key from an allowed address, a denied address with an allowed key', async () => {
    const { limiter: l, counts } = limiter()
    const { check } = createRateLimitCheck(
      {
        limiter: l,
        key: (req: Req) => req.user as string,
        allow: { addresses: ['10.0.0.0/8'], keys: ['admin'] },
        deny: { addresses: ['10.6.6.0/24'], keys: ['mallory'] },
      },
      spec,
    )
    expectDenied(await check({ ip: '10.1.1.1', user: 'mallory' }))
    expectDenied(await check({ ip: '10.6.6.6', user: 'admin' }))
    expect(counts.apply).toBe(0)
  })

  it('the default key (an IPv6 /64) is matched too; lists change at run time', async () => {
    const { limiter: l, counts } = limiter()
    const deny = accessList()
    const { check } = createRateLimitCheck({ limiter: l, deny }, spec)
    expect((await check({ ip: '2001:db8:1:2::7' })).action).toBe('allow')
    deny.add({ addresses: ['2001:db8:1:2::7'] })
    expectDenied(await check({ ip: '2001:db8:1:2::7' }))
    // Another address of the same /64 shares its key, but is not on the list: limited as usual.
    expect((await check({ ip: '2001:db8:1:2::8' })).action).toBe('limit')
    deny.clear()
    deny.add({ addresses: ['2001:db8::/32'] })
    expectDenied(await check({ ip: '2001:db8:1:2::8' }))
    expect(counts.apply).toBe(2)
  })

  it('skip runs first: a skipped request is not checked against the lists', async () => {
    const { limiter: l } = limiter()
    const { check } = createRateLimitCheck(
      { limiter: l, skip: (req: Req) => req.path === '/health', deny: { addresses: ['0.0.0.0/0'] } },
      spec,
    )
    expect(await check({ ip: '192.0.2.1', path: '/health' })).toEqual({ action: 'skip' })
    expectDenied(await check({ ip: '192.0.2.1', path: '/' }))
  })

  it('a denied address is refused before its key is made (a throwing key function is not called)', async () => {
    const { limiter: l } = limiter()
    const key = () => {
      throw new Error('lookup down')
    }
    const { check } = createRateLimitCheck({ limiter: l, key, deny: { addresses: ['192.0.2.1'] } }, spec)
    expectDenied(await check({ ip: '192.0.2.1' }))
    await expect(check({ ip: '192.0.2.2' })).rejects.toThrow(/the key function threw/)
  })

  it('with a rules limiter the client address is matched', async () => {
    const t = testStore()
    const rules = parseRules({
      domain: 'd',
      descriptors: [{ key: 'route', rate_limit: { unit: 'minute', requests_per_unit: 1 } }],
    })
    const l = createRateLimiter({ store: t.store, rules, clock })
    const { check } = createRateLimitCheck(
      {
        limiter: l,
        descriptors: () => [[{ key: 'route', value: '/' }]],
        allow: { addresses: ['10.0.0.1'] },
        deny: { addresses: ['10.0.0.2'] },
      },
      spec,
    )
    expect(await check({ ip: '10.0.0.1' })).toEqual({ action: 'skip' })
    expectDenied(await check({ ip: '10.0.0.2' }))
    expect(t.counts.apply).toBe(0)
    expect((await check({ ip: '10.0.0.3' })).action).toBe('allow')
  })

  it('where the framework gives no address, or its lookup throws, only the key is matched', async () => {
    const { limiter: l } = limiter()
    const throwing = {
      factory: 'rateLimit',
      clientAddress: (): string => {
        throw new Error('no address on this runtime')
      },
    }
    const options = {
      limiter: l,
      key: (req: Req) => req.user as string,
      deny: { addresses: ['0.0.0.0/0'], keys: ['bad'] },
    }
    const { check } = createRateLimitCheck(options, throwing)
    expectDenied(await check({ user: 'bad' }))
    expect((await check({ user: 'good' })).action).toBe('allow')
    const none = createRateLimitCheck(options, { factory: 'rateLimit' })
    expectDenied(await none.check({ user: 'bad' }))
  })

  it("the limiter's own lists: deny is the same 403, allow passes without headers and keeps the decision", async () => {
    const { limiter: l, counts } = limiter({
      allow: { keys: ['192.0.2.1'] },
      deny: { addresses: ['192.0.2.2'] },
    })
    const { check } = createRateLimitCheck({ limiter: l }, spec)
    expectDenied(await check({ ip: '192.0.2.2' }))
    const allowed = await check({ ip: '192.0.2.1' })
    expect(allowed).toMatchObject({ action: 'allow', headers: [] })
    expect((allowed as { decision: { listed?: string } }).decision.listed).toBe('allow')
    expect(counts.apply).toBe(0)
  })

  it('bad lists are ConfigErrors at construction, naming the binding option', () => {
    const { limiter: l } = limiter()
    expect(() => createRateLimitCheck({ limiter: l, deny: { addresses: ['300.0.0.0/8'] } }, spec)).toThrow(
      /^rateLimit: deny: "300\.0\.0\.0\/8" is not an IPv4 or IPv6 address or CIDR range/,
    )
    expect(() => createRateLimitCheck({ limiter: l, allow: 'x' }, spec)).toThrow(ConfigError)
    expect(() => createRateLimitCheck({ limiter: l, blackList: ['x'] }, spec)).toThrow(/use deny:/)
  })
})
