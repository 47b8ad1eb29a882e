import type { Algorithm, AlgorithmKind, Decision, RateLimiter } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf, DAY, SECOND } from './algorithms.ts'
import { comparable } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/**
 * What a test may compare between two decisions taken at (nearly) the same time: everything on a
 * controlled clock; on the store's own clock only what real time cannot move (the `…Ms` numbers can).
 */
function same(h: Harness): (d: Decision) => unknown {
  return h.controlled ? comparable : (d) => ({ allowed: d.allowed, limit: d.limit, remaining: d.remaining })
}

function quota(h: Harness, kind: AlgorithmKind): Algorithm {
  // 5 units per second on a frozen clock, or per day on the store's clock: nothing comes back during the test.
  return algorithmOf(kind, 5, h.controlled ? SECOND : DAY)
}

function limiterFor(h: Harness, algorithm: Algorithm): RateLimiter {
  return h.limiter(algorithm, { clock: controlledClock(EPOCH + 250) })
}

/**
 * Area 1b: per-algorithm basics that hold on any clock: a cost above 1 takes several units, a denied
 * request takes none, `peek` decides like `limit` without taking, cost 0 reads, and `reset` forgets.
 * Each limit admits 5 at once; registered in both time modes.
 */
export function describeOperations(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  describe(`${name} › operations`, () => {
    const h = harness('operations', factory, resolved)
    const view = same(h)
    if (resolved.algorithms.includes('leakyBucket')) {
      h.test(
        'leakyBucket: a request that would wait longer than maxDelayMs is denied and takes nothing',
        async () => {
          const limiter = limiterFor(h, quota(h, 'leakyBucket'))
          expect((await limiter.limit('k', { maxDelayMs: 0 })).delayMs).toBe(0)
          const before = await limiter.peek('k')
          const refused = await limiter.limit('k', { maxDelayMs: 10 })
          expect(refused).toMatchObject({ allowed: false, delayMs: 0, remaining: before.remaining })
          if (h.controlled)
            expect(refused.retryAfterMs).toBe((await limiter.peek('k', { cost: 1 })).delayMs - 10)
          expect(view(await limiter.peek('k'))).toStrictEqual(view(before))
          expect((await limiter.limit('k')).delayMs).toBeGreaterThan(10)
        },
      )
    }
    for (const kind of resolved.algorithms) {
      h.test(`${kind}: a cost above 1 takes several units; a denied cost takes none`, async () => {
        const algorithm = quota(h, kind)
        const limiter = limiterFor(h, algorithm)
        const first = await limiter.limit('k', { cost: 3 })
        expect(first).toMatchObject({ allowed: true, remaining: 2, retryAfterMs: 0, delayMs: 0 })
        const denied = await limiter.limit('k', { cost: 3 })
        expect(denied).toMatchObject({ allowed: false, remaining: 2, delayMs: 0 })
        expect(denied.retryAfterMs).toBeGreaterThan(0)
        expect((await limiter.peek('k', { cost: 0 })).remaining).toBe(2)
        const last = await limiter.limit('k', { cost: 2 })
        expect(last).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0 })
        // A leaky bucket queues the last two behind the first three: 3 × (1 s / 5).
        if (h.controlled) expect(last.delayMs).toBe(kind === 'leakyBucket' ? 600 : 0)
        expect((await limiter.limit('k')).allowed).toBe(false)
      })

      h.test(`${kind}: the largest admissible cost takes the whole quota at once`, async () => {
        const algorithm = quota(h, kind)
        expect(algorithm.maxCost).toBe(5)
        const limiter = limiterFor(h, algorithm)
        expect(await limiter.limit('k', { cost: 5 })).toMatchObject({
          allowed: true,
          remaining: 0,
          delayMs: 0,
        })
        expect((await limiter.limit('k')).allowed).toBe(false)
      })

      h.test(`${kind}: peek decides exactly like limit, and takes nothing`, async () => {
        const limiter = limiterFor(h, quota(h, kind))
        for (const expectedAllowed of [true, true, false]) {
          const peeks = [await limiter.peek('k', { cost: 2 }), await limiter.peek('k', { cost: 2 })]
          expect(view(peeks[1] as Decision)).toStrictEqual(view(peeks[0] as Decision))
          const taken = await limiter.limit('k', { cost: 2 })
          expect(taken.allowed).toBe(expectedAllowed)
          expect(view(taken)).toStrictEqual(view(peeks[0] as Decision))
        }
        expect((await limiter.peek('k', { cost: 1 })).allowed).toBe(true)
        expect((await limiter.peek('k', { cost: 0 })).remaining).toBe(1)
      })

      h.test(`${kind}: cost 0 reads without consuming, even on an exhausted key`, async () => {
        const limiter = limiterFor(h, quota(h, kind))
        await limiter.limit('k', { cost: 2 })
        const before = await limiter.peek('k', { cost: 1 })
        for (let i = 0; i < 3; i++) {
          const zero = await limiter.limit('k', { cost: 0 })
          expect(zero).toMatchObject({ allowed: true, remaining: 3, retryAfterMs: 0 })
          expect(view(zero)).toStrictEqual(view(await limiter.peek('k', { cost: 0 })))
        }
        expect(view(await limiter.peek('k', { cost: 1 }))).toStrictEqual(view(before))
        await limiter.limit('k', { cost: 3 })
        expect(await limiter.limit('k', { cost: 0 })).toMatchObject({ allowed: true, remaining: 0 })
        expect((await limiter.limit('k', { cost: 1 })).allowed).toBe(false)
      })

      h.test(`${kind}: reset forgets the key (and only that key)`, async () => {
        const limiter = limiterFor(h, quota(h, kind))
        await limiter.reset('never-used')
        await limiter.limit('k', { cost: 5 })
        await limiter.limit('other', { cost: 5 })
        expect((await limiter.limit('k')).allowed).toBe(false)
        await limiter.reset('k')
        expect(view(await limiter.peek('k', { cost: 0 }))).toStrictEqual(
          view(await limiter.peek('fresh', { cost: 0 })),
        )
        expect(view(await limiter.limit('k', { cost: 5 }))).toStrictEqual(
          view(await limiter.limit('fresh', { cost: 5 })),
        )
        expect((await limiter.limit('other')).allowed).toBe(false)
      })
    }
  })
}
