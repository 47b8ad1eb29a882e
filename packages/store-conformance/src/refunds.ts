// Area 10: refunds. The worked examples of docs/algorithms.md per kind, the bad inputs, and
// refunds on the store's own clock.
import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  type Decision,
  fixedWindow,
  gcra,
  InputError,
  leakyBucket,
  type RateLimiter,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { describe, expect } from 'vitest'
import { expectRefused } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

const remaining = async (limiter: RateLimiter, key = 'k'): Promise<number[]> =>
  (await limiter.peek(key)).policies.map((p) => p.remaining)

const refund = (d: Decision): Promise<boolean> => (d.refund as () => Promise<boolean>)()

/** Each kind's worked example (docs/algorithms.md, "Refunds"), on the test's clock from EPOCH. */
const WORKED: Readonly<Record<AlgorithmKind, (h: Harness) => Promise<void>>> = {
  async fixedWindow(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(fixedWindow({ limit: 5, window: 1000 }), { clock })
    const first = await limiter.limit('k', { cost: 3 })
    await limiter.limit('k')
    clock.advance(400)
    expect(await refund(first)).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([4])
    // Twice: nothing more.
    expect(await refund(first)).toBe(false)
    expect(await remaining(limiter)).toStrictEqual([4])
    clock.advance(500) // t = 900
    const late = await limiter.limit('k', { cost: 2 })
    clock.advance(100) // t = 1000: a new window
    await limiter.limit('k')
    expect(await refund(late)).toBe(true)
    // Its window rolled: the new window keeps its count.
    expect(await remaining(limiter)).toStrictEqual([4])
  },
  async slidingWindow(h) {
    const clock = controlledClock(EPOCH + 200)
    const limiter = h.limiter(slidingWindow({ limit: 10, window: 1000 }), { clock })
    const taken = await limiter.limit('k', { cost: 6 })
    clock.set(EPOCH + 1500)
    // 6 × 0.5 of the previous window still weighs.
    expect(await remaining(limiter)).toStrictEqual([7])
    expect(await refund(taken)).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([10])
  },
  async slidingLog(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(slidingLog({ limit: 3, window: 1000 }), { clock })
    const first = await limiter.limit('k')
    clock.advance(100)
    await limiter.limit('k')
    clock.advance(100)
    await limiter.limit('k')
    clock.advance(100) // t = 300
    expect(await refund(first)).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([1])
    clock.set(EPOCH + 1000)
    // Its own entry (t = 0) went, not the newest: entries at 100 and 200 still count.
    expect(await remaining(limiter)).toStrictEqual([1])
    // By key: the newest entry (t = 200) goes.
    expect(await limiter.refund('k')).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([2])
    clock.set(EPOCH + 1100)
    expect(await remaining(limiter)).toStrictEqual([3])
  },
  async tokenBucket(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(tokenBucket({ capacity: 5, refillRate: 1 }), { clock })
    const taken = await limiter.limit('k', { cost: 4 })
    expect(taken.remaining).toBe(1)
    clock.advance(500)
    expect(await refund(taken)).toBe(true)
    // 1 + 0.5 refilled + 4 given back, capped at the capacity.
    expect(await remaining(limiter)).toStrictEqual([5])
    expect((await limiter.limit('k', { cost: 5 })).allowed).toBe(true)
  },
  async gcra(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(gcra({ rate: 10, period: 1000, burst: 5 }), { clock })
    const taken = await limiter.limit('k', { cost: 5 })
    expect(taken.remaining).toBe(0)
    clock.advance(100)
    expect(await remaining(limiter)).toStrictEqual([1])
    expect(await limiter.refund('k', { cost: 3 })).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([4])
    // Never before now: the whole burst back, no more.
    expect(await refund(taken)).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([5])
    expect((await limiter.limit('k', { cost: 5 })).allowed).toBe(true)
    expect((await limiter.limit('k')).allowed).toBe(false)
  },
  async leakyBucket(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }), { clock })
    const delays: number[] = []
    let third: Decision | undefined
    for (let i = 0; i < 3; i++) {
      third = await limiter.limit('k')
      delays.push(third.delayMs)
    }
    expect(delays).toStrictEqual([0, 1000, 2000])
    expect(await refund(third as Decision)).toBe(true)
    expect((await limiter.limit('k')).delayMs).toBe(2000)
    // Never below empty: a refund larger than the queue empties it.
    expect(await limiter.refund('k', { cost: 3 })).toBe(true)
    expect((await limiter.limit('k')).delayMs).toBe(0)
  },
  async concurrency(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(concurrency({ limit: 2, leaseMs: 1000 }), { clock })
    const a = await limiter.limit('k')
    clock.advance(100)
    const b = await limiter.limit('k')
    expect([a.remaining, b.remaining]).toStrictEqual([1, 0])
    clock.advance(100) // t = 200: full; a's lease expires at 1000
    const full = await limiter.limit('k')
    expect([full.allowed, full.retryAfterMs]).toStrictEqual([false, 800])
    clock.advance(100) // t = 300
    expect(await (a.release as () => Promise<boolean>)()).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([1])
    // Twice, or refunded after it: nothing more (b keeps its slot).
    expect(await limiter.release(a)).toBe(false)
    expect(await refund(a)).toBe(false)
    expect(await remaining(limiter)).toStrictEqual([1])
    const d = await limiter.limit('k')
    expect(d.remaining).toBe(0)
    clock.set(EPOCH + 1100) // b expired at 1100 (never released: its holder crashed); d holds until 1300
    expect(await remaining(limiter)).toStrictEqual([1])
    // A release after the lease expired, and a refund by key, change nothing.
    expect(await limiter.release(b)).toBe(true)
    expect(await limiter.refund('k')).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([1])
    expect(await refund(d)).toBe(true)
    expect(await remaining(limiter)).toStrictEqual([2])
  },
}

/** A limit of `kind` whose state real time cannot change within a test: for the store's clock. */
export function slowLimit(kind: AlgorithmKind): Algorithm {
  switch (kind) {
    case 'fixedWindow':
      return fixedWindow({ limit: 5, window: '1d', align: 'first-request' })
    case 'slidingWindow':
      return slidingWindow({ limit: 5, window: '1d' })
    case 'slidingLog':
      return slidingLog({ limit: 5, window: '1d' })
    case 'tokenBucket':
      return tokenBucket({ capacity: 5, refillRate: 1, refillInterval: '1d' })
    case 'gcra':
      return gcra({ rate: 5, period: '1d' })
    case 'leakyBucket':
      return leakyBucket({ capacity: 4, leakRate: 1, leakInterval: '1d' })
    case 'concurrency':
      return concurrency({ limit: 5, leaseMs: '1d' })
  }
}

/**
 * Area 10: refunds (`decision.refund()`, `limiter.refund(key, { cost })`). Per kind, a worked
 * example with hand-computed numbers (controlled time); twice, refused and peeked decisions; bad
 * costs and foreign decisions; composites give back to every limit. In 'store' time, a decision's
 * refund on the store's own clock gives back exactly what it took. Registered unless `refunds` is
 * false (a store without `refund`).
 */
export function describeRefunds(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (!resolved.refunds) return
  describe(`${name} › refunds`, () => {
    const h = harness('refunds', factory, resolved)
    if (h.controlled) {
      for (const kind of resolved.algorithms) {
        h.test(`${kind}: the worked example of docs/algorithms.md`, () => WORKED[kind](h))
      }
    }
    for (const kind of resolved.algorithms) {
      h.test(`${kind}: a decision's refund gives back what it took, once`, async () => {
        const limiter = h.limiter(slowLimit(kind))
        const before = await remaining(limiter)
        const taken = await limiter.limit('k', { cost: 2 })
        expect(taken.allowed).toBe(true)
        expect(await refund(taken)).toBe(true)
        expect(await remaining(limiter)).toStrictEqual(before)
        expect(await refund(taken)).toBe(false)
        expect(await remaining(limiter)).toStrictEqual(before)
      })
    }

    h.test('a refused decision gives back nothing; a peek has no refund', async () => {
      const kind = resolved.algorithms[0] as AlgorithmKind
      const limiter = h.limiter(slowLimit(kind))
      const all = (await limiter.peek('k')).limit
      const kept = await limiter.limit('k', { cost: all })
      expect(kept.allowed).toBe(true)
      const refused = await limiter.limit('k')
      expect(refused.allowed).toBe(false)
      expect(await refund(refused)).toBe(false)
      expect((await limiter.limit('k')).allowed).toBe(false)
      expect((await limiter.peek('k')).refund).toBeUndefined()
    })

    h.test(
      'bad refunds are InputErrors: cost not a whole number ≥ 1, over the limit, foreign decision',
      async () => {
        const limit = slowLimit(resolved.algorithms[0] as AlgorithmKind)
        const limiter = h.limiter(limit)
        for (const cost of [0, -1, 1.5, Number.NaN, '1']) {
          await expectRefused(() => limiter.refund('k', { cost: cost as number }), InputError, 'cost')
        }
        await expectRefused(() => limiter.refund('k', { cost: limit.maxCost + 1 }), InputError, 'at most')
        const other = h.limiter(limit)
        const theirs = await other.limit('k')
        await expectRefused(() => limiter.refund(theirs), InputError, 'another limiter')
        // Still refundable by its own limiter, once.
        expect(await other.refund(theirs)).toBe(true)
        expect(await other.refund(theirs)).toBe(false)
      },
    )

    if (resolved.composite && resolved.algorithms.length > 1) {
      h.test('a composite decision gives back to every limit', async () => {
        const limits = resolved.algorithms.slice(0, 3).map(slowLimit)
        const unique = limits.filter((l, i) => limits.findIndex((m) => m.id === l.id) === i)
        const limiter = h.limiter(unique)
        const before = await remaining(limiter)
        const taken = await limiter.limit('k', { cost: 2 })
        expect(taken.allowed).toBe(true)
        expect(await limiter.refund(taken)).toBe(true)
        expect(await remaining(limiter)).toStrictEqual(before)
      })
    }
  })
}
