// limiter.refund and decision.refund: once, refused, degraded, foreign, bad costs, rules, failures.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import {
  type Algorithm,
  ConfigError,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  InputError,
  StoreError,
  slidingLog,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const T0 = 1_700_000_000_000
const refund = (d: Decision) => (d.refund as () => Promise<boolean>)()

function limiterAt(now: { t: number }, algorithm: Algorithm = fixedWindow({ limit: 5, window: 1000 })) {
  return createRateLimiter({ store: referenceStore(), algorithm, clock: () => now.t })
}

describe('decision.refund()', () => {
  it('gives back what the decision took, once; the second refund does nothing', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now)
    const taken = await limiter.limit('k', { cost: 3 })
    expect(taken.remaining).toBe(2)
    expect(await refund(taken)).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(5)
    await limiter.limit('k')
    expect(await refund(taken)).toBe(false)
    expect((await limiter.peek('k')).remaining).toBe(4)
  })

  it('is not enumerable: decisions compare, spread and serialise as before', async () => {
    const limiter = limiterAt({ t: T0 })
    const taken = await limiter.limit('k')
    expect(typeof taken.refund).toBe('function')
    expect(Object.keys(taken)).not.toContain('refund')
    expect(JSON.parse(JSON.stringify(taken))).not.toHaveProperty('refund')
    expect({ ...taken }).not.toHaveProperty('refund')
  })

  it('a refused decision gives back nothing; a peek has no refund', async () => {
    const limiter = limiterAt({ t: T0 })
    await limiter.limit('k', { cost: 5 })
    const refused = await limiter.limit('k')
    expect(refused.allowed).toBe(false)
    expect(await refund(refused)).toBe(false)
    expect((await limiter.peek('k')).remaining).toBe(0)
    expect((await limiter.peek('k')).refund).toBeUndefined()
  })

  it('a degraded decision gives back nothing and never reaches the store (it counted nothing)', async () => {
    const test = testStore()
    const limiter = createRateLimiter({
      store: test.store,
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
      clock: () => T0,
      onStoreError: 'allow',
      denyCache: false,
    })
    test.setFault('fail')
    const degraded = await limiter.limit('k')
    expect(degraded).toMatchObject({ allowed: true, degraded: { mode: 'allow' } })
    expect(await refund(degraded)).toBe(false)
    expect(test.counts.refund).toBe(0)
  })

  it('a failed refund rejects with a StoreError (and the decision counts as refunded)', async () => {
    const test = testStore()
    const limiter = createRateLimiter({
      store: test.store,
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
      clock: () => T0,
      denyCache: false,
    })
    const taken = await limiter.limit('k')
    test.setFault('fail')
    await expect(refund(taken)).rejects.toBeInstanceOf(StoreError)
    test.setFault('none')
    expect(await refund(taken)).toBe(false)
    expect(test.counts.refund).toBe(1)
  })

  it('a store without refund: the refund rejects with a ConfigError naming the store', async () => {
    const reference = referenceStore()
    const { refund: _, ...store } = reference
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 5, window: 1000 }) })
    const taken = await limiter.limit('k')
    await expect(refund(taken)).rejects.toThrow(ConfigError)
    await expect(limiter.refund('k')).rejects.toThrow(/reference store cannot give units back/)
  })

  it('forgets the deny cache: a refund reopens a key the cache had closed', async () => {
    const test = testStore()
    const limiter = createRateLimiter({
      store: test.store,
      algorithm: fixedWindow({ limit: 2, window: 60_000 }),
      clock: () => T0,
    })
    const taken = await limiter.limit('k', { cost: 2 })
    expect((await limiter.limit('k')).allowed).toBe(false)
    const stored = test.counts.apply
    // Cached: the store is not asked.
    expect((await limiter.limit('k')).allowed).toBe(false)
    expect(test.counts.apply).toBe(stored)
    expect(await refund(taken)).toBe(true)
    expect((await limiter.limit('k')).allowed).toBe(true)
  })

  it('a closed limiter rejects refunds', async () => {
    const limiter = limiterAt({ t: T0 })
    const taken = await limiter.limit('k')
    await limiter.close()
    await expect(refund(taken)).rejects.toBeInstanceOf(StoreError)
  })
})

describe('limiter.refund()', () => {
  it('refund(decision) is decision.refund(); another limiter’s decision is an InputError', async () => {
    const now = { t: T0 }
    const a = limiterAt(now)
    const b = limiterAt(now)
    const ofA = await a.limit('k', { cost: 2 })
    await expect(b.refund(ofA)).rejects.toThrow(/another limiter/)
    await expect(b.refund(ofA)).rejects.toBeInstanceOf(InputError)
    expect(await a.refund(ofA)).toBe(true)
    expect(await a.refund(ofA)).toBe(false)
    expect((await a.peek('k')).remaining).toBe(5)
  })

  it('refund(decision, options) and a decision without refund are InputErrors', async () => {
    const limiter = limiterAt({ t: T0 })
    const taken = await limiter.limit('k')
    const refundWith = limiter.refund as (decision: Decision, options: unknown) => Promise<boolean>
    await expect(refundWith(taken, { cost: 1 })).rejects.toThrow(/takes no options/)
    const peeked = await limiter.peek('k')
    await expect(limiter.refund(peeked)).rejects.toThrow(/not a decision of limit\(\)/)
  })

  it('refund(key, { cost }) gives back to the current window, never past full', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now)
    await limiter.limit('k', { cost: 4 })
    expect(await limiter.refund('k', { cost: 2 })).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(3)
    expect(await limiter.refund('k', { cost: 5 })).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(5)
    // Default cost 1; a key never seen is left as it is.
    expect(await limiter.refund('other')).toBe(true)
    expect((await limiter.peek('other')).remaining).toBe(5)
  })

  it('bad costs are InputErrors: not a whole number ≥ 1, or more than the limits admit at once', async () => {
    const limiter = limiterAt({ t: T0 }, fixedWindow({ limit: 5, window: 1000 }))
    for (const cost of [0, -1, 0.5, Number.POSITIVE_INFINITY, '2', null]) {
      await expect(limiter.refund('k', { cost: cost as number })).rejects.toThrow(
        /cost must be a whole number of units, at least 1/,
      )
    }
    await expect(limiter.refund('k', { cost: 6 })).rejects.toThrow(/admit at most 5/)
    await expect(limiter.refund('k', { costs: 1 } as never)).rejects.toThrow(/did you mean "cost"/)
    await expect(limiter.refund('', { cost: 1 })).rejects.toBeInstanceOf(InputError)
  })

  it('composites give back to every limit', async () => {
    const now = { t: T0 }
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: [fixedWindow({ limit: 5, window: 1000 }), tokenBucket({ capacity: 3, refillRate: 1 })],
      clock: () => now.t,
    })
    const taken = await limiter.limit('k', { cost: 2 })
    expect(taken.policies.map((p) => p.remaining)).toStrictEqual([3, 1])
    expect(await refund(taken)).toBe(true)
    expect((await limiter.peek('k')).policies.map((p) => p.remaining)).toStrictEqual([5, 3])
  })

  it('a sliding log refund removes the decision’s own entries, a refund by key the newest', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, slidingLog({ limit: 3, window: 1000 }))
    const first = await limiter.limit('k')
    now.t += 400
    await limiter.limit('k')
    now.t += 100
    expect(await refund(first)).toBe(true)
    // At T0 + 1000 the entry of T0 would have left; its refund took it, so the one at +400 stays.
    now.t = T0 + 1000
    expect((await limiter.peek('k')).remaining).toBe(2)
    expect(await limiter.refund('k')).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(3)
  })

  it('gcra gives back whole emission intervals, never before now', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, gcra({ rate: 10, period: 1000, burst: 4 }))
    const taken = await limiter.limit('k', { cost: 4 })
    expect(taken).toMatchObject({ remaining: 0, resetAfterMs: 400 })
    now.t += 250
    expect(await refund(taken)).toBe(true)
    expect(await limiter.peek('k')).toMatchObject({ remaining: 4, resetAfterMs: 0 })
  })
})
