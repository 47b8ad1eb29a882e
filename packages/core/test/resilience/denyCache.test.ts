import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { DenyCache } from '../../src/resilience/denyCache.ts'
import { testStore } from './support.ts'

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
          const maxCost = Math.min(...limits.map((a) => a.maxCost))
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
    const limiter = createRateLimiter({ store: s.store, algorithm: fixedWindow({ limit: 5, window: '1m' }) })
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

  it('holds at most maxKeys entries, dropping the oldest', () => {
    const cache = new DenyCache(100)
    const limits = [fixedWindow({ limit: 1, window: '1m' })]
    const denial = {
      allowed: false,
      limit: 1,
      remaining: 0,
      resetAfterMs: 60_000,
      retryAfterMs: 60_000,
      delayMs: 0,
      policy: 'p',
      policies: [],
    }
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
})
