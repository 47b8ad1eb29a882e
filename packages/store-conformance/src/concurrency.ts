import type { Decision } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf, kindAt } from './algorithms.ts'
import { harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

const CALLS = 1000
const LIMIT = 100

/** How many of the decisions admitted, and the sorted `remaining` each admitted one reported. */
function admitted(decisions: readonly Decision[]): { count: number; remaining: number[] } {
  const allowed = decisions.filter((d) => d.allowed)
  return { count: allowed.length, remaining: allowed.map((d) => d.remaining).sort((a, b) => a - b) }
}

/** 0, step, 2·step, … below LIMIT: the `remaining` values of the admitted calls of an atomic store. */
function ladder(count: number, cost: number): number[] {
  return Array.from({ length: count }, (_, i) => LIMIT - cost * (count - i))
}

/**
 * Area 4: atomicity under load. 1,000 parallel `limit()` calls on one key admit exactly the limit
 * (100) for every algorithm, each admitted call seeing a distinct `remaining`; with cost 3, exactly 33.
 * The clock is frozen (controlled) or the limits refill over a day (store time), so only a race in
 * the store could change the count. Leaky bucket: capacity 99, admitting 100 at once.
 */
export function describeConcurrency(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  describe(`${name} › concurrency`, () => {
    const h = harness('concurrency', factory, resolved)
    const parallel = (n: number, call: () => Promise<Decision>): Promise<Decision[]> =>
      Promise.all(Array.from({ length: n }, call))

    for (const kind of resolved.algorithms) {
      h.test(`${kind}: ${CALLS} parallel calls on one key admit exactly ${LIMIT}`, async () => {
        const limiter = h.limiter(algorithmOf(kind, LIMIT))
        const result = admitted(await parallel(CALLS, () => limiter.limit('hot')))
        expect(result.count).toBe(LIMIT)
        expect(result.remaining).toStrictEqual(ladder(LIMIT, 1))
        expect(await limiter.peek('hot', { cost: 0 })).toMatchObject({ allowed: true, remaining: 0 })
      })

      h.test(`${kind}: ${CALLS} parallel calls of cost 3 admit exactly 33`, async () => {
        const limiter = h.limiter(algorithmOf(kind, LIMIT))
        const result = admitted(await parallel(CALLS, () => limiter.limit('hot', { cost: 3 })))
        expect(result.count).toBe(33)
        expect(result.remaining).toStrictEqual(ladder(33, 3))
        expect((await limiter.peek('hot', { cost: 0 })).remaining).toBe(1)
      })

      h.test(`${kind}: parallel calls on 10 keys admit exactly ${LIMIT} per key`, async () => {
        const limiter = h.limiter(algorithmOf(kind, LIMIT))
        const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`)
        const decisions = await Promise.all(
          Array.from({ length: 150 * keys.length }, (_, i) => {
            const key = keys[i % keys.length] as string
            return limiter.limit(key).then((d) => [key, d] as const)
          }),
        )
        for (const key of keys) {
          expect(admitted(decisions.filter(([k]) => k === key).map(([, d]) => d)).count, key).toBe(LIMIT)
        }
      })
    }

    if (resolved.composite) {
      h.test(
        `composite: ${CALLS} parallel calls take from every limit exactly what the tightest admits`,
        async () => {
          const kinds = resolved.algorithms
          const loose = algorithmOf(kindAt(kinds, 1), 10 * LIMIT)
          const limiter = h.limiter([loose, algorithmOf(kindAt(kinds, 0), LIMIT)])
          const result = admitted(await parallel(CALLS, () => limiter.limit('hot')))
          expect(result.count).toBe(LIMIT)
          const after = await limiter.peek('hot', { cost: 0 })
          expect(after.policies.map((p) => p.remaining)).toStrictEqual([9 * LIMIT, 0])
        },
      )
    }
  })
}
