// The deny cache works per counter: a request with any exhausted counter is answered locally.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StoreRequest } from '../../src/entries/store.ts'
import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  parseRules,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { resolveResilience } from '../../src/resilience/options.ts'
import { storeCall } from '../../src/storeCall.ts'
import { testStore, wellFormed } from './support.ts'

// A whole minute on the epoch, so the per-user fixed windows below start where the test starts.
const T0 = 28_333_334 * 60_000

describe('deny cache with a rules limiter', () => {
  const rules = () =>
    parseRules({
      domain: 'api',
      descriptors: [
        { key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 5 } },
        { key: 'path', rate_limit: { unit: 'second', requests_per_unit: 100 } },
      ],
    })
  const request = (i: number) => ({
    descriptors: [[{ key: 'user', value: 'mallory' }], [{ key: 'path', value: `/items/${i}` }]],
  })

  it('answers a denied user locally on every path: store calls drop to the retry windows, admissions unchanged', async () => {
    let now = T0
    const clock = () => now
    const plain = testStore()
    const cached = testStore()
    const without = createRateLimiter({ store: plain.store, rules: rules(), clock, denyCache: false })
    const withCache = createRateLimiter({ store: cached.store, rules: rules(), clock })
    const requests = 2000
    const stepMs = 100
    let admitted = 0
    for (let i = 0; i < requests; i++) {
      const [expected, got] = [await without.limit(request(i)), await withCache.limit(request(i))]
      expect(got.allowed).toBe(expected.allowed)
      if (got.allowed) admitted++
      else {
        // The deciding policy is the exhausted user counter, with the store's own wait.
        expect(got.policy).toBe(expected.policy)
        expect(got.retryAfterMs).toBe(expected.retryAfterMs)
        expect(got.policies).toHaveLength(2)
        expect(got.policies.every(wellFormed)).toBe(true)
      }
      now += stepMs
    }
    // 200 s of requests: four one-minute windows, five admissions in each.
    const windows = Math.ceil((requests * stepMs) / 60_000)
    expect(admitted).toBe(windows * 5)
    expect(plain.counts.apply).toBe(requests)
    // Each window: its five admissions and the one denial that fills the cache.
    expect(cached.counts.apply).toBeLessThanOrEqual(windows * (5 + 1))
  })
})

const algorithmArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 5 }), window: fc.integer({ min: 1, max: 3000 }) })
    .chain((o) => fc.constantFrom(fixedWindow(o), slidingWindow(o))),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 5 }),
      refillRate: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(0.5)),
      refillInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => tokenBucket(o)),
  fc
    .record({
      rate: fc.integer({ min: 1, max: 5 }),
      period: fc.integer({ min: 1, max: 5000 }),
      burst: fc.integer({ min: 1, max: 5 }),
    })
    .map((o) => gcra(o)),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 4 }),
      leakRate: fc.integer({ min: 1, max: 5 }),
      leakInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => leakyBucket(o)),
)

describe('deny cache per counter, at the store seam', () => {
  it('decides exactly as the store would when each request carries its own subset of shared counters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(algorithmArb, { minLength: 2, maxLength: 4 }),
        fc.array(
          fc.record({
            advanceMs: fc.oneof(fc.constant(0), fc.constant(-1), fc.integer({ min: 0, max: 4000 })),
            op: fc.constantFrom('limit', 'limit', 'limit', 'peek', 'reset'),
            key: fc.constantFrom('a', 'b'),
            // Which counters of the pool this request carries (a route, a path, a plan…).
            pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
            cost: fc.integer({ min: 1, max: 4 }),
            maxDelayMs: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (list, steps) => {
          // Ids made distinct, as a request's limits always are.
          const pool = list.map((a, i) => ({ ...a, id: `${a.id}#${i}`, name: `${a.name}#${i}` }))
          let now = 1_700_000_000_000
          const plain = testStore()
          const cached = testStore()
          const options = { circuitBreaker: false as const, timeoutMs: 60_000 }
          const without = storeCall(
            plain.store,
            resolveResilience({ ...options, denyCache: false }, plain.store, pool),
          )
          const withCache = storeCall(
            cached.store,
            resolveResilience({ ...options, denyCache: true }, cached.store, pool),
          )
          let lastRetryMs = 0
          for (const step of steps) {
            now += step.advanceMs === -1 ? lastRetryMs : step.advanceMs
            let limits = pool.filter((_, i) => step.pick[i])
            if (limits.length === 0) limits = [pool[0] as Algorithm]
            if (step.op === 'reset') {
              await Promise.all([without.reset(step.key, limits), withCache.reset(step.key, limits)])
              continue
            }
            const request: StoreRequest = {
              key: step.key,
              limits,
              cost: limits.reduce((least, a) => Math.min(least, a.maxCost), step.cost),
              consume: step.op === 'limit',
              now,
              maxDelayMs: step.maxDelayMs,
            }
            const [expected, got]: Decision[] = await Promise.all([without(request), withCache(request)])
            expect((got as Decision).allowed).toBe((expected as Decision).allowed)
            if (!(expected as Decision).allowed) lastRetryMs = (expected as Decision).retryAfterMs
            const d = got as Decision
            if (!d.allowed) {
              expect(d.retryAfterMs).toBeGreaterThan(0)
              expect(d.policies.map((p) => p.policy)).toEqual(limits.map((a) => a.name))
              expect(d.policies.some((p) => !p.allowed && p.policy === d.policy)).toBe(true)
              expect(wellFormed(d) && d.policies.every(wellFormed)).toBe(true)
            }
          }
          expect(cached.counts.apply).toBeLessThanOrEqual(plain.counts.apply)
          await Promise.all([without.close(), withCache.close()])
        },
      ),
      { numRuns: 300 },
    )
  })

  it('measures a denial from when the request was sent, not from when the store answered', async () => {
    let now = T0
    const s = testStore()
    // A slow store: time passes between sending and deciding, so the store's wait starts later.
    const slow = {
      ...s.store,
      apply: (request: StoreRequest) => {
        now += 400
        return s.store.apply({ ...request, now })
      },
    }
    const limiter = createRateLimiter({
      store: slow,
      algorithm: fixedWindow({ limit: 1, window: '10s' }),
      clock: () => now,
    })
    expect((await limiter.limit('k')).allowed).toBe(true)
    const sentAt = now
    const denied = await limiter.limit('k')
    expect(denied.allowed).toBe(false)
    const calls = s.counts.apply
    // Until sentAt + retryAfterMs the cache answers; from then on the store is asked again, even
    // though by the store's own reckoning the window still has 400 ms to run.
    now = sentAt + denied.retryAfterMs - 1
    expect((await limiter.limit('k')).allowed).toBe(false)
    expect(s.counts.apply).toBe(calls)
    now = sentAt + denied.retryAfterMs
    await limiter.limit('k')
    expect(s.counts.apply).toBe(calls + 1)
  })
})
