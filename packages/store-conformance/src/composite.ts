import { type Algorithm, slidingWindow } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf, DAY, HOUR, kindAt, SECOND } from './algorithms.ts'
import { controlledClock, EPOCH, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/**
 * Area 6: composite limits, all-or-nothing. Nothing is taken from any limit unless all admit (seen
 * through `policies` of a following peek); the decision names the deciding policy and carries every
 * limit's numbers; an admitted decision has `retryAfterMs` 0. Limits mix the supported kinds.
 * Registered only when `composite` is true.
 */
export function describeComposite(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (!resolved.composite) return
  describe(`${name} › composite`, () => {
    const h = harness('composite', factory, resolved)
    const kinds = resolved.algorithms
    const short = h.controlled ? SECOND : DAY
    const long = h.controlled ? HOUR : 7 * DAY
    const remainings = (d: { policies: readonly { remaining: number }[] }) =>
      d.policies.map((p) => p.remaining)

    h.test('a limit that refuses takes nothing from the limits that would admit', async () => {
      const loose = algorithmOf(kindAt(kinds, 1), 10, long)
      const tight = algorithmOf(kindAt(kinds, 0), 3, short)
      const limiter = h.limiter([loose, tight])
      for (let i = 1; i <= 3; i++) {
        const d = await limiter.limit('k')
        expect(d).toMatchObject({ allowed: true, retryAfterMs: 0, policy: tight.name })
        expect(remainings(d)).toStrictEqual([10 - i, 3 - i])
      }
      for (let i = 0; i < 5; i++) {
        const d = await limiter.limit('k')
        expect(d).toMatchObject({ allowed: false, policy: tight.name, delayMs: 0 })
        expect(d.retryAfterMs).toBeGreaterThan(0)
        expect(d.retryAfterMs).toBe(d.policies[1]?.retryAfterMs)
        expect(d.policies[0]).toMatchObject({ allowed: true, remaining: 7, retryAfterMs: 0 })
      }
      expect(remainings(await limiter.peek('k', { cost: 0 }))).toStrictEqual([7, 0])
    })

    h.test('mixed kinds with costs: all admit or none is charged', async () => {
      const limits = [
        algorithmOf(kindAt(kinds, 0), 5),
        algorithmOf(kindAt(kinds, 1), 20),
        algorithmOf(kindAt(kinds, 2), 8),
      ]
      const names = limits.map((l) => l.name)
      const limiter = h.limiter(limits)
      const first = await limiter.limit('k', { cost: 3 })
      expect(first).toMatchObject({ allowed: true, policy: names[0], remaining: 2, retryAfterMs: 0 })
      expect(first.policies.map((p) => p.policy)).toStrictEqual(names)
      expect(first.policies.map((p) => p.limit)).toStrictEqual(limits.map((l) => l.limit))
      expect(remainings(first)).toStrictEqual([2, 17, 5])
      const refused = await limiter.limit('k', { cost: 3 })
      expect(refused).toMatchObject({ allowed: false, policy: names[0], remaining: 2 })
      expect(remainings(refused)).toStrictEqual([2, 17, 5])
      expect(remainings(await limiter.peek('k', { cost: 0 }))).toStrictEqual([2, 17, 5])
      const rest = await limiter.limit('k', { cost: 2 })
      expect(rest).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 0, policy: names[0] })
      expect(rest.policies.every((p) => p.allowed && p.retryAfterMs === 0)).toBe(true)
      expect(rest.delayMs).toBe(rest.policies.reduce((most, p) => Math.max(most, p.delayMs), 0))
      expect(remainings(rest)).toStrictEqual([0, 15, 3])
      expect((await limiter.limit('k')).allowed).toBe(false)
      expect(remainings(await limiter.peek('k', { cost: 0 }))).toStrictEqual([0, 15, 3])
    })

    h.test(
      'when several refuse, the one with the longest wait decides; every limit reports its numbers',
      async () => {
        const quick = algorithmOf(kindAt(kinds, 0), 2, short)
        const slow = algorithmOf(kindAt(kinds, 1), 2, 5 * short)
        const limiter = h.limiter([quick, slow])
        await limiter.limit('k', { cost: 2 })
        const d = await limiter.limit('k')
        expect(d.policies.map((p) => [p.policy, p.allowed])).toStrictEqual([
          [quick.name, false],
          [slow.name, false],
        ])
        const longest = d.policies.reduce((most, p) => Math.max(most, p.retryAfterMs), 0)
        for (const p of d.policies) expect(p.retryAfterMs).toBeGreaterThan(0)
        const decider = d.policies.find((p) => p.policy === d.policy)
        expect(decider?.retryAfterMs).toBe(longest)
        expect(d).toMatchObject({ allowed: false, retryAfterMs: longest, limit: decider?.limit, delayMs: 0 })
        // On the frozen clock the waits are known: the limit over 5 windows waits longer.
        if (h.controlled) expect(d.policy).toBe(slow.name)
      },
    )

    h.test('peek takes from no limit; reset forgets every limit', async () => {
      const limits = [algorithmOf(kindAt(kinds, 0), 4), algorithmOf(kindAt(kinds, 1), 6)]
      const limiter = h.limiter(limits)
      for (let i = 0; i < 3; i++) expect((await limiter.peek('k', { cost: 4 })).allowed).toBe(true)
      await limiter.limit('k', { cost: 4 })
      expect(remainings(await limiter.peek('k', { cost: 0 }))).toStrictEqual([0, 2])
      await limiter.reset('k')
      const fresh = await limiter.peek('k', { cost: 0 })
      expect(remainings(fresh)).toStrictEqual(limits.map((l: Algorithm) => l.limit))
    })

    if (h.controlled && kinds.includes('slidingWindow')) {
      h.test(
        '[slidingWindow 10/1s, slidingWindow 1000/1h]: the 11th call in a second takes nothing from the hour',
        async () => {
          const perSecond = slidingWindow({ limit: 10, window: '1s' })
          const perHour = slidingWindow({ limit: 1000, window: '1h' })
          const clock = controlledClock(EPOCH)
          const limiter = h.limiter([perSecond, perHour], { clock })
          for (let i = 1; i <= 10; i++) {
            const d = await limiter.limit('k')
            expect(d).toMatchObject({
              allowed: true,
              policy: perSecond.name,
              remaining: 10 - i,
              retryAfterMs: 0,
            })
            expect(remainings(d)).toStrictEqual([10 - i, 1000 - i])
          }
          const refused = await limiter.limit('k')
          // Ten in the current second: the next fits once the weighted count drops to 9, 1100 ms from now.
          expect(refused).toMatchObject({ allowed: false, policy: perSecond.name, retryAfterMs: 1100 })
          expect(refused.policies[1]).toMatchObject({ allowed: true, remaining: 990, retryAfterMs: 0 })
          clock.advance(1100)
          const next = await limiter.limit('k')
          expect(next).toMatchObject({ allowed: true, policy: perSecond.name, remaining: 0 })
          expect(remainings(next)).toStrictEqual([0, 989])
        },
      )
    }
  })
}
