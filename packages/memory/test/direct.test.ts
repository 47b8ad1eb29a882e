import {
  type Algorithm,
  type AlgorithmState,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { stepAll } from '@sluice/core/store'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000

// The store's own applySync against core's stepAll over a Map (states dropped at their TTL), with
// no limiter in between: every decision must be identical. The reference keys state as the Store
// contract does, by key + limit id: two pool entries with one id (the generators make that likely)
// are one counter across requests, and one request never carries an id twice (limiters refuse it).
const limitArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 50 }) })
    .map(fixedWindow),
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 50 }) })
    .map(slidingWindow),
  fc
    .record({ limit: fc.integer({ min: 1, max: 6 }), window: fc.integer({ min: 1, max: 50 }) })
    .map(slidingLog),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 6 }),
      refillRate: fc.constantFrom(1, 0.5, 1 / 3),
      refillInterval: fc.integer({ min: 1, max: 50 }),
    })
    .map(tokenBucket),
  fc
    .record({
      rate: fc.integer({ min: 1, max: 6 }),
      period: fc.integer({ min: 1, max: 50 }),
      burst: fc.integer({ min: 1, max: 6 }),
    })
    .map(gcra),
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
  key: fc.constantFrom('a', 'b', 'c{'),
  limits: fc.uniqueArray(fc.nat({ max: 3 }), { minLength: 1, maxLength: 3 }),
  cost: fc.integer({ min: 0, max: 4 }),
  consume: fc.boolean(),
  maxDelayMs: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
})

/** The limits in order, each id once: what a request may carry. */
function distinctIds(limits: readonly Algorithm[]): Algorithm[] {
  const seen = new Set<string>()
  return limits.filter((l) => !seen.has(l.id) && seen.add(l.id) !== undefined)
}

describe('memoryStore.applySync', () => {
  it('decides exactly like stepAll on random traces of several keys and limits', () => {
    fc.assert(
      fc.property(
        fc.array(limitArb, { minLength: 4, maxLength: 4 }),
        fc.array(opArb, { maxLength: 40 }),
        (pool, ops) => {
          const store = memoryStore({ maxKeys: 1000 })
          const reference = new Map<string, { state: AlgorithmState; until: number }>()
          let now = T0
          for (const op of ops) {
            now += op.advance
            const limits = distinctIds(op.limits.map((i) => pool[i] as Algorithm))
            const refKeys = limits.map((l) => `${op.key}\u0001${l.id}`)
            const states = refKeys.map((k) => {
              const held = reference.get(k)
              return held !== undefined && held.until > now ? held.state : undefined
            })
            const want = stepAll(limits, states, now, op.cost, op.consume, op.maxDelayMs)
            want.writes.forEach((w, i) => {
              if (w === undefined) return
              reference.set(refKeys[i] as string, { state: w.state, until: now + w.ttlMs })
            })
            const got = store.applySync?.({
              key: op.key,
              limits,
              cost: op.cost,
              consume: op.consume,
              now,
              maxDelayMs: op.maxDelayMs,
            })
            expect(got).toStrictEqual(want.decisions)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps a composite write whose entry an earlier write of the same call purged (a full store)', () => {
    const day = fixedWindow({ limit: 5, window: 86_400_000 })
    const second = fixedWindow({ limit: 5, window: 1000 })
    const store = memoryStore({ maxKeys: 2 })
    const call = (key: string, limits: Algorithm[], now: number, consume = true) =>
      store.applySync?.({ key, limits, cost: consume ? 1 : 0, consume, now }) ?? []
    call('y', [second], T0)
    call('x', [second], T0)
    // Both 1 s entries are spent now: writing the new day entry purges them, x's among them.
    call('x', [day, second], T0 + 2000)
    const [dayLeft, secondLeft] = call('x', [day, second], T0 + 2000, false)
    expect(dayLeft?.remaining).toBe(4)
    expect(secondLeft?.remaining).toBe(4)
    expect(dayLeft?.resetAfterMs).toBe(day.step(undefined, T0 + 2000, 1).decision.resetAfterMs)
  })
})
