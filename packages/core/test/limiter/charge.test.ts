// limiter.charge and decision.charge: bad input, stores without charge, deny cache, penalties, per-caller.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { chargeBound } from '../../src/entries/store.ts'
import {
  type Algorithm,
  ConfigError,
  concurrency,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  InputError,
  leakyBucket,
  StoreError,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const T0 = 1_700_000_000_000
const charge = (d: Decision, cost: unknown) => (d.charge as (cost: unknown) => Promise<Decision>)(cost)

function limiterAt(
  now: { t: number },
  algorithm: Algorithm | Algorithm[] = fixedWindow({ limit: 5, window: 1000 }),
) {
  return createRateLimiter({ store: referenceStore(), algorithm, clock: () => now.t })
}

/** The reference store with its charges counted. */
function countedStore() {
  const reference = referenceStore()
  const counts = { charge: 0 }
  const store = {
    ...reference,
    charge(request: Parameters<NonNullable<typeof reference.charge>>[0]) {
      counts.charge++
      return (reference.charge as NonNullable<typeof reference.charge>)(request)
    },
  }
  return { store, counts }
}

describe('limiter.charge: bad input is an InputError before the store', () => {
  it('cost not a whole number ≥ 1, missing, or options not an object', async () => {
    const limiter = limiterAt({ t: T0 })
    for (const cost of [0, -1, 1.5, Number.NaN, '1', null, [3]]) {
      await expect(limiter.charge('k', { cost: cost as number })).rejects.toThrow(
        /charge: cost must be a whole number of units ≥ 1/,
      )
    }
    await expect(limiter.charge('k', {} as { cost: number })).rejects.toThrow(/cost is required/)
    await expect(limiter.charge('k', undefined as unknown as { cost: number })).rejects.toThrow(
      /options must be an object such as \{ cost: 800 \}/,
    )
    await expect(limiter.charge('k', { cost: 1, points: 2 } as { cost: number })).rejects.toThrow(/use cost/)
    await expect(limiter.charge('', { cost: 1 })).rejects.toBeInstanceOf(InputError)
  })

  it('more than a state holds exactly: the message gives the largest allowed value', async () => {
    const bucket = tokenBucket({ capacity: 10, refillRate: 1 })
    const most = chargeBound(bucket)
    const limiter = limiterAt({ t: T0 }, bucket)
    await expect(limiter.charge('k', { cost: most + 1 })).rejects.toThrow(
      `charge: cost ${most + 1} is more than ${bucket.name} can hold exactly: charge at most ${most} at once`,
    )
    // The bound itself is fine, and drives the bucket that far below zero.
    const after = await limiter.charge('k', { cost: most })
    expect(after).toMatchObject({ allowed: false, remaining: 0 })
    expect(after.retryAfterMs).toBe((most + 1 - 10) * 1000)
  })

  it('a cost object: unknown names, two limits of one name, bad units, no unit at all', async () => {
    const limiter = limiterAt({ t: T0 }, [
      fixedWindow({ name: 'requests', limit: 5, window: 1000 }),
      tokenBucket({ name: 'tokens', capacity: 100, refillRate: 10 }),
    ])
    await expect(limiter.charge('k', { cost: { tokes: 5 } })).rejects.toThrow(
      /no limit is named "tokes".*tokens/,
    )
    await expect(limiter.charge('k', { cost: { tokens: -1 } })).rejects.toThrow(
      /charge: cost\.tokens must be a non-negative integer/,
    )
    await expect(limiter.charge('k', { cost: { tokens: 0 } })).rejects.toThrow(
      /at least 1 unit under some limit/,
    )
    // Beyond maxCost is fine for a charge: 1000 tokens under a 100-token bucket.
    const after = await limiter.charge('k', { cost: { tokens: 1000 } })
    expect(after.policies.map((p) => [p.policy, p.allowed, p.remaining])).toStrictEqual([
      ['requests', true, 4],
      ['tokens', false, 0],
    ])
    const twins = limiterAt({ t: T0 }, [
      fixedWindow({ name: 'x', limit: 5, window: 1000 }),
      fixedWindow({ name: 'x', limit: 9, window: 1000 }),
    ])
    await expect(twins.charge('k', { cost: { x: 1 } })).rejects.toThrow(/two limits are named "x"/)
  })
})

describe('limiter.charge and decision.charge', () => {
  it('every algorithm: a charge past the limit denies until it has recovered, never a negative remaining', async () => {
    const kinds: Algorithm[] = [
      fixedWindow({ limit: 5, window: 1000 }),
      slidingWindow({ limit: 5, window: 1000 }),
      slidingLog({ limit: 5, window: 1000 }),
      tokenBucket({ capacity: 5, refillRate: 5 }),
      gcra({ rate: 5, period: 1000 }),
      leakyBucket({ capacity: 4, leakRate: 5 }),
    ]
    for (const algorithm of kinds) {
      const now = { t: T0 }
      const limiter = limiterAt(now, algorithm)
      const after = await limiter.charge('k', { cost: 50 })
      expect(after, algorithm.kind).toMatchObject({ allowed: false, remaining: 0 })
      now.t += after.retryAfterMs - 1
      expect((await limiter.limit('k')).allowed, algorithm.kind).toBe(false)
      now.t += 1
      expect((await limiter.limit('k')).allowed, algorithm.kind).toBe(true)
    }
  })

  it('decision.charge is on every decision of limit(), refused ones too, not on a peek, and not enumerable', async () => {
    const limiter = limiterAt({ t: T0 })
    const taken = await limiter.limit('k', { cost: 5 })
    const refused = await limiter.limit('k')
    expect(refused.allowed).toBe(false)
    expect(Object.keys(taken)).not.toContain('charge')
    expect({ ...taken }).not.toHaveProperty('charge')
    expect((await limiter.peek('k')).charge).toBeUndefined()
    // Twice, and from a refused decision: each call charges.
    expect(await charge(taken, 1)).toMatchObject({ allowed: false, remaining: 0 })
    expect(await charge(refused, 1)).toMatchObject({ allowed: false, remaining: 0 })
  })

  it('concurrency limits are left alone: their leases stay as they were', async () => {
    const limiter = limiterAt({ t: T0 }, [
      fixedWindow({ name: 'requests', limit: 100, window: 1000 }),
      concurrency({ name: 'inflight', limit: 2, leaseMs: 1000 }),
    ])
    const held = await limiter.limit('k')
    const after = await charge(held, 90)
    expect(after.policies.map((p) => [p.policy, p.remaining])).toStrictEqual([
      ['requests', 8],
      ['inflight', 0],
    ])
    expect((await limiter.peek('k')).policies.map((p) => p.remaining)).toStrictEqual([9, 1])
  })

  it('a store without charge: a ConfigError naming the store, from the limiter and from a decision', async () => {
    const { charge: _, ...store } = referenceStore()
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 5, window: 1000 }) })
    await expect(limiter.charge('k', { cost: 1 })).rejects.toThrow(
      /reference store cannot charge units after the fact/,
    )
    await expect(charge(await limiter.limit('k'), 1)).rejects.toBeInstanceOf(ConfigError)
    const undeclared = createRateLimiter({
      store: { ...referenceStore(), capabilities: { algorithms: ['fixedWindow'], composite: true } },
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
    })
    await expect(undeclared.charge('k', { cost: 1 })).rejects.toBeInstanceOf(ConfigError)
  })

  it('a cached denial does not hide a charge, and the charge forgets no cached denial', async () => {
    const { store, counts } = countedStore()
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 2, window: 60_000 }),
      clock: () => T0,
      denyCache: true,
    })
    await limiter.limit('k', { cost: 2 })
    const refused = await limiter.limit('k')
    expect(refused.allowed).toBe(false)
    await limiter.charge('k', { cost: 3 })
    await charge(refused, 1)
    expect(counts.charge).toBe(2)
    expect((await limiter.limit('k')).allowed).toBe(false)
  })

  it('a degraded decision still sends its charge (the store may be back)', async () => {
    const test = testStore()
    const { store, counts } = countedStore()
    const limiter = createRateLimiter({
      store: { ...test.store, charge: store.charge },
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
      clock: () => T0,
      onStoreError: 'allow',
      denyCache: false,
    })
    test.setFault('fail')
    const degraded = await limiter.limit('k')
    expect(degraded.degraded).toBeDefined()
    test.setFault('none')
    await charge(degraded, 2)
    expect(counts.charge).toBe(1)
  })

  it('a failing store rejects the charge with a StoreError; a closed limiter too', async () => {
    const { store } = countedStore()
    const failing = createRateLimiter({
      store: { ...store, charge: () => Promise.reject(new Error('connection refused')) },
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
    })
    await expect(failing.charge('k', { cost: 1 })).rejects.toThrow(
      /reference store: charge failed: connection refused/,
    )
    const limiter = limiterAt({ t: T0 })
    await limiter.close()
    await expect(limiter.charge('k', { cost: 1 })).rejects.toBeInstanceOf(StoreError)
  })

  it('a listed key is answered as limit() answers it, without a store call', async () => {
    const { store, counts } = countedStore()
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
      allow: { keys: ['admin'] },
      deny: { keys: ['abuser'] },
    })
    expect(await limiter.charge('admin', { cost: 50 })).toMatchObject({ allowed: true, listed: 'allow' })
    expect(await limiter.charge('abuser', { cost: 50 })).toMatchObject({ allowed: false, listed: 'deny' })
    await expect(limiter.charge('admin', { cost: 0 })).rejects.toBeInstanceOf(InputError)
    expect(counts.charge).toBe(0)
    await limiter.charge('someone', { cost: 50 })
    expect(counts.charge).toBe(1)
  })

  it('a charge starts no penalty block', async () => {
    const now = { t: T0 }
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: fixedWindow({ limit: 2, window: 1000 }),
      clock: () => now.t,
      blockDuration: '10s',
    })
    const after = await limiter.charge('k', { cost: 5 })
    expect(after.allowed).toBe(false)
    expect(after.blockedUntil).toBeUndefined()
    now.t = T0 + 1000
    expect((await limiter.limit('k')).allowed).toBe(true)
  })
})

describe('charges on per-caller limiters', () => {
  it('a per-caller limiter charges the limits its context picks', async () => {
    const tiers: Record<string, Algorithm> = {
      free: tokenBucket({ capacity: 10, refillRate: 1 }),
      pro: tokenBucket({ capacity: 1000, refillRate: 100 }),
    }
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: ({ context }) => [tiers[context as string] as Algorithm],
      clock: () => T0,
    })
    expect((await limiter.charge('k', { cost: 500, context: 'pro' })).allowed).toBe(true)
    expect((await limiter.charge('k', { cost: 500, context: 'free' })).allowed).toBe(false)
    const plain = limiterAt({ t: T0 })
    await expect(plain.charge('k', { cost: 1, context: 'pro' })).rejects.toThrow(/leave context out/)
  })
})
