// Area 11: concurrency leases. A crashed holder's lease expires, a release frees exactly its own
// lease once, composites with a rate limit stay all-or-nothing, and parallel holders never exceed the limit.
import { type Algorithm, concurrency, type Decision, fixedWindow, type RateLimiter } from '@sluice/core'
import { describe, expect } from 'vitest'
import { controlledClock, EPOCH, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

const remaining = async (limiter: RateLimiter, key = 'k'): Promise<number[]> =>
  (await limiter.peek(key)).policies.map((p) => p.remaining)

const release = (d: Decision): Promise<boolean> => (d.release as () => Promise<boolean>)()

/** Leases that real time cannot expire within a test: for the store's own clock. */
const slowLeases = (limit: number): Algorithm => concurrency({ limit, leaseMs: '1d' })

/**
 * Area 11: concurrency (in-flight) limits. Registered when the store runs `concurrency` and has
 * `refund` (a release is a refund of the lease). With controlled time, a holder that never releases
 * (it crashed) loses its slot exactly `leaseMs` after taking it. In either time: a release frees
 * its own lease once and never another holder's; with a rate limit in the same limiter, a full
 * concurrency limit takes nothing from the rate limit and an exhausted rate limit takes no lease,
 * and a release gives back the lease alone; holders running in parallel never hold more than the limit.
 */
export function describeLeases(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (!resolved.algorithms.includes('concurrency') || !resolved.refunds) return
  describe(`${name} › concurrency leases`, () => {
    const h = harness('leases', factory, resolved)

    if (h.controlled) {
      h.test('a crashed holder (never released) frees its slot exactly leaseMs after taking it', async () => {
        const clock = controlledClock(EPOCH)
        const limiter = h.limiter(concurrency({ limit: 2, leaseMs: '30s' }), { clock })
        expect((await limiter.limit('k')).allowed).toBe(true)
        clock.advance(5000)
        expect((await limiter.limit('k')).allowed).toBe(true)
        // Both holders crash: nobody releases. Full until the first lease expires, at 30 s.
        clock.set(EPOCH + 29_999)
        const full = await limiter.limit('k')
        expect([full.allowed, full.retryAfterMs]).toStrictEqual([false, 1])
        clock.set(EPOCH + 30_000)
        const next = await limiter.limit('k')
        expect([next.allowed, next.remaining]).toStrictEqual([true, 0])
        clock.set(EPOCH + 35_000)
        expect(await remaining(limiter)).toStrictEqual([1])
        clock.set(EPOCH + 60_000)
        expect(await remaining(limiter)).toStrictEqual([2])
      })
    }

    h.test('a release frees its own lease, once, never another holder’s', async () => {
      const limiter = h.limiter(slowLeases(3))
      const a = await limiter.limit('k')
      const b = await limiter.limit('k', { cost: 2 })
      expect([a.allowed, b.allowed]).toStrictEqual([true, true])
      expect((await limiter.limit('k')).allowed).toBe(false)
      expect(await release(b)).toBe(true)
      expect(await remaining(limiter)).toStrictEqual([2])
      // Again, by the limiter or the decision, or as a refund: b has nothing left to give.
      expect(await limiter.release(b)).toBe(false)
      expect(await release(b)).toBe(false)
      expect(await limiter.refund(b)).toBe(false)
      expect(await remaining(limiter)).toStrictEqual([2])
      // A refund by key picks no lease (it would be another holder's).
      expect(await limiter.refund('k')).toBe(true)
      expect(await remaining(limiter)).toStrictEqual([2])
      expect(await limiter.release(a)).toBe(true)
      expect(await remaining(limiter)).toStrictEqual([3])
      // A refused decision and a peek have no lease.
      const all = await limiter.limit('k', { cost: 3 })
      const refused = await limiter.limit('k')
      expect(await release(refused)).toBe(false)
      expect((await limiter.peek('k')).release).toBeUndefined()
      expect(await remaining(limiter)).toStrictEqual([0])
      expect(await release(all)).toBe(true)
      expect(await remaining(limiter)).toStrictEqual([3])
    })

    if (resolved.composite && resolved.algorithms.includes('fixedWindow')) {
      h.test(
        'with a rate limit: all-or-nothing both ways; a release gives back the lease alone',
        async () => {
          const leases = slowLeases(2)
          const rate = fixedWindow({ limit: 3, window: '1d', align: 'first-request' })
          const limiter = h.limiter([leases, rate])
          const a = await limiter.limit('k')
          const b = await limiter.limit('k')
          expect(await remaining(limiter)).toStrictEqual([0, 1])
          // No slot: the rate limit is not charged.
          const busy = await limiter.limit('k')
          expect([busy.allowed, busy.policy]).toStrictEqual([false, leases.name])
          expect(await remaining(limiter)).toStrictEqual([0, 1])
          // Released: the slot comes back, the request still counted.
          expect(await limiter.release(a)).toBe(true)
          expect(await remaining(limiter)).toStrictEqual([1, 1])
          const c = await limiter.limit('k')
          expect(c.allowed).toBe(true)
          expect(await release(c)).toBe(true)
          // Rate limit exhausted: no lease is taken.
          const over = await limiter.limit('k')
          expect([over.allowed, over.policy]).toStrictEqual([false, rate.name])
          expect(await remaining(limiter)).toStrictEqual([1, 0])
          // A refund gives back both, the lease included; a release after it has nothing to give.
          expect(await limiter.refund(b)).toBe(true)
          expect(await remaining(limiter)).toStrictEqual([2, 1])
          expect(await release(b)).toBe(false)
          expect(await remaining(limiter)).toStrictEqual([2, 1])
        },
      )
    }

    h.test('parallel holders never hold more than the limit, and every one gets its turn', async () => {
      const limit = 3
      const limiter = h.limiter(slowLeases(limit))
      let inFlight = 0
      let most = 0
      let done = 0
      // Releases so far, and the holders waiting for the next one: no sleeps, no polling.
      let releases = 0
      let waiting: (() => void)[] = []
      const holder = async (): Promise<void> => {
        for (let runs = 0; runs < 3; ) {
          const seen = releases
          const decision = await limiter.limit('k')
          if (!decision.allowed) {
            // Full, so someone holds a lease and will release it (retryAfterMs only bounds that:
            // a day here). Retry at once if a release came during the call.
            if (releases === seen) await new Promise<void>((resolve) => waiting.push(resolve))
            continue
          }
          inFlight++
          most = Math.max(most, inFlight)
          // Hold it for a store round trip, so the other holders' calls overlap this one.
          await limiter.peek('elsewhere')
          inFlight--
          expect(await release(decision)).toBe(true)
          releases++
          for (const wake of waiting) wake()
          waiting = []
          runs++
          done++
        }
      }
      await Promise.all(Array.from({ length: 8 }, holder))
      expect(done).toBe(24)
      expect(most).toBeGreaterThan(0)
      expect(most).toBeLessThanOrEqual(limit)
      expect(await remaining(limiter)).toStrictEqual([limit])
    })
  })
}
