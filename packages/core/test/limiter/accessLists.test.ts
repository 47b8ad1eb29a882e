// A limiter's allow and deny lists: answered before the store (which is never called), deny wins, changes apply.
import { describe, expect, it } from 'vitest'
import {
  accessList,
  ConfigError,
  createRateLimiter,
  type DecisionEvent,
  explainDecision,
  fixedWindow,
  InputError,
  leakyBucket,
  parseRules,
  WaitTimeoutError,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const NOW = 1_699_999_998_000

function limiterWith(lists: { allow?: unknown; deny?: unknown }) {
  const t = testStore()
  const limiter = createRateLimiter({
    store: t.store,
    algorithm: fixedWindow({ limit: 1, window: '1m', name: 'api' }),
    clock: () => NOW,
    prefix: `lists${Math.random().toString(36).slice(2)}`,
    shareCounters: true,
    ...(lists as object),
  })
  return { limiter, counts: t.counts }
}

describe('createRateLimiter: allow and deny', () => {
  it('a denied key is refused without a store call: listed deny, retryAfterMs Infinity, nothing counted', async () => {
    const { limiter, counts } = limiterWith({ deny: { keys: ['bot'] } })
    const decision = await limiter.limit('bot')
    expect(decision).toEqual({
      allowed: false,
      limit: 0,
      remaining: 0,
      resetAfterMs: Number.POSITIVE_INFINITY,
      retryAfterMs: Number.POSITIVE_INFINITY,
      delayMs: 0,
      policy: '',
      policies: [],
      listed: 'deny',
    })
    expect(await limiter.peek('bot')).toBe(decision)
    expect(counts.apply).toBe(0)
    // Another key still goes to the store and is limited as usual.
    expect((await limiter.limit('user')).allowed).toBe(true)
    expect((await limiter.limit('user')).allowed).toBe(false)
    expect(counts.apply).toBe(2)
  })

  it('an allowed key is admitted without a store call, however often: listed allow, unlimited', async () => {
    const { limiter, counts } = limiterWith({ allow: { keys: ['admin'] } })
    for (let i = 0; i < 5; i++) {
      const decision = await limiter.limit('admin', { cost: 1 })
      expect(decision).toMatchObject({
        allowed: true,
        listed: 'allow',
        limit: Number.POSITIVE_INFINITY,
        remaining: Number.POSITIVE_INFINITY,
        retryAfterMs: 0,
        policies: [],
      })
    }
    expect(counts.apply).toBe(0)
    const plain = await limiter.limit('user')
    expect(plain.listed).toBeUndefined()
    expect(counts.apply).toBe(1)
  })

  it('deny wins over allow', async () => {
    const { limiter, counts } = limiterWith({
      allow: { keys: ['both'], addresses: ['10.0.0.0/8'] },
      deny: { keys: ['both'], addresses: ['10.9.0.0/16'] },
    })
    expect((await limiter.limit('both')).listed).toBe('deny')
    expect((await limiter.limit('10.9.1.1')).listed).toBe('deny')
    expect((await limiter.limit('10.8.1.1')).listed).toBe('allow')
    expect(counts.apply).toBe(0)
  })

  it('address entries match keys that are IP addresses, IPv4-mapped IPv6 and the IPv6 networks bindings key on', async () => {
    const { limiter, counts } = limiterWith({ deny: { addresses: ['198.51.100.0/24', '2001:db8::/32'] } })
    expect((await limiter.limit('198.51.100.7')).listed).toBe('deny')
    expect((await limiter.limit('::ffff:198.51.100.7')).listed).toBe('deny')
    expect((await limiter.limit('2001:db8:1:2::/64')).listed).toBe('deny')
    expect((await limiter.limit('198.51.101.7')).listed).toBeUndefined()
    expect((await limiter.limit('user:198.51.100.7')).listed).toBeUndefined()
    expect(counts.apply).toBe(2)
  })

  it('an AccessList given to the limiter is read on every call: add and remove apply to the next one', async () => {
    const deny = accessList()
    const { limiter, counts } = limiterWith({ deny })
    expect((await limiter.limit('k')).allowed).toBe(true)
    deny.add({ keys: ['k'] })
    expect((await limiter.limit('k')).listed).toBe('deny')
    deny.remove({ keys: ['k'] })
    // Back to the store, whose counter the denied calls did not touch: 1 of 1 taken, so refused.
    const after = await limiter.limit('k')
    expect([after.allowed, after.listed, after.remaining]).toEqual([false, undefined, 0])
    expect(counts.apply).toBe(2)
  })

  it('bad input is still an InputError for a listed key, checked before the lists', async () => {
    const { limiter } = limiterWith({ allow: { keys: ['admin'] } })
    await expect(limiter.limit('admin', { cost: -1 })).rejects.toThrow(InputError)
    await expect(limiter.limit('')).rejects.toThrow(InputError)
  })

  it('wait: an allowed key resolves at once; a denied key rejects at once, saying why', async () => {
    const { limiter, counts } = limiterWith({ allow: { keys: ['a'] }, deny: { keys: ['d'] } })
    expect((await limiter.wait('a', { maxWaitMs: '1h' })).listed).toBe('allow')
    const error = await limiter.wait('d', { maxWaitMs: '1h' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect((error as WaitTimeoutError).message).toMatch(/deny list, so no wait admits it/)
    expect((error as WaitTimeoutError).decision.listed).toBe('deny')
    expect(counts.apply).toBe(0)
  })

  it('a listed call is a decision event, explained as the list', async () => {
    const { limiter } = limiterWith({ deny: { keys: ['bot'] } })
    const events: DecisionEvent[] = []
    limiter.events.on('decision', (e) => events.push(e))
    await limiter.limit('bot')
    expect(events).toHaveLength(1)
    const [event] = events as [DecisionEvent]
    expect([event.allowed, event.decision.listed, event.storeLatencyMs, event.limits]).toEqual([
      false,
      'deny',
      undefined,
      [],
    ])
    expect(explainDecision(event)).toBe(
      "deny list: on the limiter's deny list → denied without asking the store, nothing counted",
    )
  })

  it('a shaping limiter answers a listed key with no delay', async () => {
    const t = testStore()
    const limiter = createRateLimiter({
      store: t.store,
      algorithm: leakyBucket({ capacity: 1, leakRate: 1 }),
      allow: { keys: ['vip'] },
      clock: () => NOW,
      shareCounters: true,
    })
    for (let i = 0; i < 3; i++) expect((await limiter.limit('vip')).delayMs).toBe(0)
    expect(t.counts.apply).toBe(0)
  })

  it('bad lists are ConfigErrors at construction, naming the option', () => {
    expect(() => limiterWith({ deny: { addresses: ['10.0.0.0/33'] } })).toThrow(
      /createRateLimiter: deny: the prefix length of "10\.0\.0\.0\/33"/,
    )
    expect(() => limiterWith({ allow: ['10.0.0.0/8'] })).toThrow(
      /createRateLimiter: allow must be an accessList\(…\) or its entries/,
    )
    expect(() => limiterWith({ allow: { keys: [1] } })).toThrow(ConfigError)
    expect(() => limiterWith({ whiteList: ['x'] } as never)).toThrow(/use allow: \{ keys/)
  })

  it('a rules limiter takes no lists: a ConfigError pointing at the binding and at rules', () => {
    const rules = parseRules({
      domain: 'd',
      descriptors: [{ key: 'k', rate_limit: { unit: 'second', requests_per_unit: 1 } }],
    })
    expect(() =>
      createRateLimiter({ store: testStore().store, rules, deny: { keys: ['x'] } } as never),
    ).toThrow(
      /deny matches a key, and a rules limiter's requests carry descriptors instead; give the lists to the binding/,
    )
  })
})
