import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { DenyCache } from '../../src/resilience/denyCache.ts'
import { smallest, testStore } from './support.ts'

const algorithmArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 3000 }) })
    .chain((o) => fc.constantFrom(fixedWindow(o), slidingLog(o), slidingWindow(o))),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 6 }),
      refillRate: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(0.5, 2.5, 1 / 3)),
      refillInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => tokenBucket(o)),
  fc
    .record({
      rate: fc.integer({ min: 1, max: 6 }),
      period: fc.integer({ min: 1, max: 5000 }),
      burst: fc.integer({ min: 1, max: 6 }),
    })
    .map((o) => gcra(o)),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 6 }),
      leakRate: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(0.5, 3)),
      leakInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => leakyBucket(o)),
)

const stepArb = fc.record({
  // -1: advance exactly to when the last denial said to retry, the edge a cache must not overstay.
  advanceMs: fc.oneof(
    fc.constant(0),
    fc.constant(-1),
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 4000 }),
  ),
  op: fc.constantFrom('limit', 'limit', 'limit', 'peek', 'reset'),
  key: fc.constantFrom('a', 'b'),
  cost: fc.integer({ min: 0, max: 4 }),
  maxDelayMs: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
})

describe('deny cache', () => {
  it('answers exactly what the store would, for every algorithm, composite, cost, maxDelayMs, peek and reset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(algorithmArb, { minLength: 1, maxLength: 2 }),
        fc.array(stepArb, { minLength: 1, maxLength: 60 }),
        async (list, steps) => {
          const limits = list.map((a, i) => ({ ...a, id: `${a.id}#${i}`, name: `${a.name}#${i}` }))
          let now = 1_700_000_000_000
          const clock = () => now
          const plain = testStore()
          const cached = testStore()
          const maxCost = smallest(limits.map((a) => a.maxCost))
          const without = createRateLimiter({
            store: plain.store,
            algorithm: limits,
            clock,
            denyCache: false,
          })
          const withCache = createRateLimiter({ store: cached.store, algorithm: limits, clock })
          let lastRetryMs = 0
          for (const step of steps) {
            now += step.advanceMs === -1 ? lastRetryMs : step.advanceMs
            if (step.op === 'reset') {
              await Promise.all([without.reset(step.key), withCache.reset(step.key)])
              continue
            }
            const options = { cost: Math.min(step.cost, maxCost), maxDelayMs: step.maxDelayMs }
            const call = step.op === 'limit' ? 'limit' : 'peek'
            const [expected, got] = await Promise.all([
              without[call](step.key, options),
              withCache[call](step.key, options),
            ])
            expect(got.allowed).toBe(expected.allowed)
            if (!expected.allowed) lastRetryMs = expected.retryAfterMs
            // The waits may differ: a cached denial of a smaller cost can know a longer, truer wait
            // (a leaky bucket's hint under maxDelayMs is a lower bound). Only the verdict must match.
            if (!got.allowed) expect(got.retryAfterMs).toBeGreaterThan(0)
          }
          expect(cached.counts.apply).toBeLessThanOrEqual(plain.counts.apply)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('cuts store calls under a flood of denied requests, and reset() clears it', async () => {
    const s = testStore()
    // A still clock: on the real one a minute boundary during the flood would count afresh.
    const limiter = createRateLimiter({
      store: s.store,
      algorithm: fixedWindow({ limit: 5, window: '1m' }),
      clock: () => 1_699_999_998_000,
    })
    for (let i = 0; i < 1000; i++) await limiter.limit('hot')
    // 5 admitted + 1 denial asked of the store; the other 994 answered in-process.
    expect(s.counts.apply).toBe(6)
    await limiter.reset('hot')
    expect((await limiter.limit('hot')).allowed).toBe(true)
    // A smaller cost than the cached denial, and peeks, still go to the store.
  })

  it('never answers a smaller cost or a peek from a denial it remembers', async () => {
    const s = testStore()
    const limiter = createRateLimiter({ store: s.store, algorithm: fixedWindow({ limit: 5, window: '1m' }) })
    await limiter.limit('k', { cost: 4 })
    expect((await limiter.limit('k', { cost: 3 })).allowed).toBe(false)
    const before = s.counts.apply
    expect((await limiter.limit('k', { cost: 3 })).allowed).toBe(false)
    expect(s.counts.apply).toBe(before)
    expect((await limiter.limit('k', { cost: 1 })).allowed).toBe(true)
    expect((await limiter.peek('k', { cost: 3 })).allowed).toBe(false)
    expect(s.counts.apply).toBe(before + 2)
  })

  it('is off for synchronous stores by default and on demand with denyCache: true', async () => {
    const sync = testStore({ sync: true })
    const algorithm = fixedWindow({ limit: 1, window: '1m' })
    const off = createRateLimiter({ store: sync.store, algorithm })
    for (let i = 0; i < 10; i++) await off.limit('k')
    expect(sync.counts.apply).toBe(10)
    const on = createRateLimiter({ store: sync.store, algorithm, denyCache: true, prefix: 'other' })
    for (let i = 0; i < 10; i++) await on.limit('k')
    expect(sync.counts.apply).toBe(12)
  })

  it('holds at most maxKeys counters, dropping the oldest', () => {
    const cache = new DenyCache(100)
    const limits = [fixedWindow({ limit: 1, window: '1m' })]
    const denial = storeDenial(limits, [0], 60_000)
    for (let i = 0; i < 10_000; i++) {
      cache.remember({ key: `k${i}`, limits, cost: 1, consume: true, now: 0 }, 0, denial)
    }
    expect(cache.size).toBe(100)
    const request = (key: string) => ({ key, limits, cost: 1, consume: true, now: 10 })
    expect(cache.answer(request('k9999'), 10)?.retryAfterMs).toBe(59_990)
    expect(cache.answer(request('k0'), 10)).toBeUndefined()
    // A fresh list of the same limits (a rules limiter builds one per request) is the same; others are not.
    expect(cache.answer({ ...request('k9999'), limits: [...limits] }, 10)).toBeDefined()
    expect(
      cache.answer({ ...request('k9999'), limits: [fixedWindow({ limit: 2, window: '1m' })] }, 10),
    ).toBeUndefined()
    // Past the denial's end, or before it (a clock that went back), the store is asked again.
    expect(cache.answer(request('k9998'), 60_000)).toBeUndefined()
    expect(cache.answer(request('k9997'), -1)).toBeUndefined()
  })

  it('moves a renewed record to the young end, and forgets a reset counter under every limit', () => {
    const cache = new DenyCache(3)
    const a = fixedWindow({ limit: 1, window: '1m' })
    const b = fixedWindow({ limit: 2, window: '1m' })
    const remember = (key: string, limits: Algorithm[]) =>
      cache.remember({ key, limits, cost: 1, consume: true, now: 0 }, 0, storeDenial(limits, [0], 60_000))
    const held = (key: string, limits: Algorithm[]) =>
      cache.answer({ key, limits, cost: 1, consume: true, now: 1 }, 1) !== undefined
    remember('k0', [a])
    remember('k1', [a])
    remember('k0', [b])
    remember('k0', [a]) // renewed: k1 is now the oldest
    remember('k2', [a])
    expect(cache.size).toBe(3)
    expect([held('k0', [a]), held('k1', [a]), held('k0', [b]), held('k2', [a])]).toEqual([
      true,
      false,
      true,
      true,
    ])
    cache.forget('k0', [a, b])
    expect(cache.size).toBe(1)
    expect([held('k0', [a]), held('k0', [b]), held('k2', [a])]).toEqual([false, false, true])
  })

  it('answers any request that includes an exhausted counter, and only those', () => {
    const user = fixedWindow({ limit: 5, window: '1m', name: 'user' })
    const route = fixedWindow({ limit: 100, window: '1s', name: 'route' })
    const other = tokenBucket({ capacity: 9, refillRate: 1, name: 'other' })
    const cache = new DenyCache(100)
    // The store denied [user, route] on key k: user was exhausted (30 s left), route was not.
    cache.remember(
      { key: 'k', limits: [user, route], cost: 1, consume: true, now: 0 },
      0,
      storeDenial([user, route], [0], 30_000),
    )
    expect(cache.size).toBe(1)
    const ask = (limits: Algorithm[], key = 'k') =>
      cache.answer({ key, limits, cost: 1, consume: true, now: 100 }, 100)
    // Another route with the same user: denied here, by the user's counter.
    const d = ask([other, user]) as Decision
    expect(d).toMatchObject({ allowed: false, policy: 'user', retryAfterMs: 29_900, remaining: 0, limit: 5 })
    // The counter it knows nothing about: not deciding, and no quota promised.
    expect(d.policies).toEqual([
      {
        allowed: true,
        limit: 9,
        remaining: 0,
        resetAfterMs: other.windowMs,
        retryAfterMs: 0,
        delayMs: 0,
        policy: 'other',
      },
      {
        allowed: false,
        limit: 5,
        remaining: 0,
        resetAfterMs: 29_900,
        retryAfterMs: 29_900,
        delayMs: 0,
        policy: 'user',
      },
    ])
    // The counter the store reported alongside keeps the store's numbers, aged, as not deciding.
    expect((ask([user, route]) as Decision).policies[1]).toMatchObject({
      allowed: true,
      remaining: 99,
      retryAfterMs: 0,
    })
    // Requests without the exhausted counter, or on another key, go to the store.
    expect(ask([route])).toBeUndefined()
    expect(ask([other])).toBeUndefined()
    expect(ask([user], 'k2')).toBeUndefined()
    // A reset of the key under the user's limit forgets it.
    cache.forget('k', [route])
    expect(ask([user])).toBeDefined()
    cache.forget('k', [user])
    expect(ask([user])).toBeUndefined()
  })

  it('keeps counters of keys and ids that concatenate alike apart', () => {
    const cache = new DenyCache(100)
    const a = { ...fixedWindow({ limit: 1, window: '1m' }), id: 'x|y' }
    const b = { ...fixedWindow({ limit: 1, window: '1m' }), id: 'y' }
    cache.remember({ key: 'k', limits: [a], cost: 1, consume: true, now: 0 }, 0, storeDenial([a], [0], 1000))
    expect(cache.answer({ key: 'kx|', limits: [b], cost: 1, consume: true, now: 1 }, 1)).toBeUndefined()
    expect(cache.answer({ key: 'k', limits: [a], cost: 1, consume: true, now: 1 }, 1)).toBeDefined()
  })
})

/** A store's denial of `limits`: those at `denied` exhausted for `retryAfterMs`, the others untouched. */
function storeDenial(
  limits: readonly Algorithm[],
  denied: readonly number[],
  retryAfterMs: number,
): Decision {
  const policies = limits.map((a, i) =>
    denied.includes(i)
      ? {
          allowed: false,
          limit: a.limit,
          remaining: 0,
          resetAfterMs: retryAfterMs,
          retryAfterMs,
          delayMs: 0,
          policy: a.name,
        }
      : {
          allowed: true,
          limit: a.limit,
          remaining: a.limit - 1,
          resetAfterMs: 500,
          retryAfterMs: 0,
          delayMs: 0,
          policy: a.name,
        },
  )
  const first = policies[denied[0] as number] as Decision['policies'][number]
  return { ...first, policies }
}
