// A limiter on the memory store decides through its syncDecider, by the caller's key: the same
// counters and the same decisions as requests with the joined limiter key.
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000

const limitArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 50 }) })
    .map(fixedWindow),
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 50 }) })
    .map(slidingLog),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 6 }),
      refillRate: fc.constantFrom(1, 0.5),
      refillInterval: fc.integer({ min: 1, max: 50 }),
    })
    .map(tokenBucket),
  fc.record({ rate: fc.integer({ min: 1, max: 6 }), period: fc.integer({ min: 1, max: 50 }) }).map(gcra),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 4 }),
      leakRate: fc.integer({ min: 1, max: 3 }),
      leakInterval: fc.integer({ min: 1, max: 50 }),
    })
    .map(leakyBucket),
)

const opArb = fc.record({
  advance: fc.integer({ min: 0, max: 30 }),
  key: fc.constantFrom('a', 'b', 'c:d', 'e{'),
  cost: fc.integer({ min: 0, max: 3 }),
  /** 0: limit(), 1: peek(), 2: reset(), 3: store.applySync with the joined key. */
  how: fc.integer({ min: 0, max: 3 }),
  maxDelayMs: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
})

/** A memory store without its syncDecider: every call of a limiter on it is a request. */
function requestsOnly(store: ReturnType<typeof memoryStore>) {
  return { ...store, name: store.name, syncDecider: undefined }
}

describe('memoryStore.syncDecider', () => {
  it('decides like requests with the joined key, on random traces of limit, peek, reset and direct requests', async () => {
    await fc.assert(
      fc.asyncProperty(limitArb, fc.array(opArb, { maxLength: 40 }), async (limit, ops) => {
        let now = T0
        const clock = () => now
        const fast = memoryStore({ maxKeys: 1000 })
        const slow = memoryStore({ maxKeys: 1000 })
        const a = createRateLimiter({ store: fast, algorithm: limit, prefix: 'p', clock })
        const b = createRateLimiter({ store: requestsOnly(slow), algorithm: limit, prefix: 'p', clock })
        for (const op of ops) {
          now += op.advance
          // Peeks and direct requests take any cost; limit() one the limit can ever admit.
          const cost = Math.min(op.cost, limit.maxCost)
          const options = { cost, maxDelayMs: op.maxDelayMs }
          if (op.how === 0)
            expect(await a.limit(op.key, options)).toStrictEqual(await b.limit(op.key, options))
          else if (op.how === 1)
            expect(await a.peek(op.key, options)).toStrictEqual(await b.peek(op.key, options))
          else if (op.how === 2) await Promise.all([a.reset(op.key), b.reset(op.key)])
          else {
            const request = {
              key: `p:${op.key}`,
              limits: [limit],
              cost,
              consume: true,
              now,
              maxDelayMs: op.maxDelayMs,
            }
            expect(fast.applySync?.(request)).toStrictEqual(slow.applySync?.(request))
          }
          expect(fast.size).toBe(slow.size)
          expect(fast.bytes).toBeLessThanOrEqual(slow.bytes)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('keeps the caller key, not a joined one: fewer bytes per entry', async () => {
    const limit = fixedWindow({ limit: 5, window: '1m' })
    const fast = memoryStore()
    const slow = memoryStore()
    await createRateLimiter({ store: fast, algorithm: limit, prefix: 'api', clock: () => T0 }).limit('user:1')
    await createRateLimiter({
      store: requestsOnly(slow),
      algorithm: limit,
      prefix: 'api',
      clock: () => T0,
    }).limit('user:1')
    // 'api:' is the table's, counted once with it, not in each entry.
    expect(slow.bytes - fast.bytes).toBe(2 * 'api:'.length)
  })

  it('finds counters written with the joined key before the limiter existed', async () => {
    const limit = fixedWindow({ limit: 3, window: '1m' })
    const store = memoryStore()
    for (let i = 0; i < 2; i++)
      store.applySync?.({ key: 'p:k', limits: [limit], cost: 1, consume: true, now: T0 })
    const limiter = createRateLimiter({ store, algorithm: limit, prefix: 'p', clock: () => T0 })
    expect(await limiter.limit('k')).toMatchObject({ allowed: true, remaining: 0 })
    expect(await limiter.limit('k')).toMatchObject({ allowed: false })
    expect(store.size).toBe(1)
  })

  it('gives none for a start that is no limiter prefix', () => {
    const store = memoryStore()
    const limit = fixedWindow({ limit: 3, window: '1m' })
    expect(store.syncDecider?.('a:b:', limit)).toBeUndefined()
    expect(store.syncDecider?.('ab', limit)).toBeUndefined()
    expect(store.syncDecider?.('ab:', limit)).toBeTypeOf('function')
  })
})
