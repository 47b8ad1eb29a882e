// Limits per caller: algorithm: ({ key, context }) => limits — plans, a plan change, refunds,
// reset, wait, peeks, and every bad value the function can return.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import {
  type Algorithm,
  ConfigError,
  createRateLimiter,
  type Decision,
  fixedWindow,
  InputError,
  leakyBucket,
  tokenBucket,
  UnsupportedAlgorithmError,
} from '../../src/index.ts'
import type { Store } from '../../src/store.ts'

const T0 = 1_700_000_000_000

const PLANS = {
  free: fixedWindow({ limit: 2, window: '1m', name: 'free' }),
  pro: [fixedWindow({ limit: 5, window: '1m', name: 'pro' }), tokenBucket({ capacity: 3, refillRate: 1 })],
} as const
type Plan = keyof typeof PLANS

function planLimiter(now = { t: T0 }, store: Store = referenceStore()) {
  return createRateLimiter({
    store,
    clock: () => now.t,
    algorithm: ({ context }: { context: Plan | undefined }) => PLANS[context ?? 'free'],
  })
}

async function admitted(limit: () => Promise<Decision>, calls: number): Promise<number> {
  let n = 0
  for (let i = 0; i < calls; i++) if ((await limit()).allowed) n++
  return n
}

describe('algorithm as a function of the caller', () => {
  it('decides each call under the limits picked for its context, and the decision names them', async () => {
    const limiter = planLimiter()
    expect(limiter.algorithms).toEqual([])
    expect(await admitted(() => limiter.limit('a'), 4)).toBe(2)
    expect(await admitted(() => limiter.limit('b', { context: 'pro' }), 6)).toBe(3) // the bucket's 3
    const free = await limiter.peek('a')
    expect(free.limits?.map((l) => l.name)).toEqual(['free'])
    expect(free.remaining).toBe(0)
    const pro = await limiter.peek('b', { context: 'pro' })
    expect(pro.limits?.map((l) => l.name)).toEqual(['pro', PLANS.pro[1].name])
    expect(pro.policies.map((p) => p.remaining)).toEqual([2, 0])
  })

  it('gets the key without the prefix and the context as given', async () => {
    const seen: unknown[] = []
    const limiter = createRateLimiter({
      store: referenceStore(),
      prefix: 'api',
      algorithm: (caller) => {
        seen.push(caller)
        return PLANS.free
      },
    })
    const context = { plan: 'free', account: 7 }
    await limiter.limit('user:42', { context })
    await limiter.peek('user:43')
    expect(seen).toEqual([
      { key: 'user:42', context },
      { key: 'user:43', context: undefined },
    ])
    expect((seen[0] as { context: unknown }).context).toBe(context)
  })

  it('a changed plan counts under the new limits at once; a plan shared by two tiers keeps its count', async () => {
    const now = { t: T0 }
    const limiter = planLimiter(now)
    expect(await admitted(() => limiter.limit('u'), 3)).toBe(2) // free spent
    expect((await limiter.limit('u', { context: 'pro' })).allowed).toBe(true) // fresh counters
    expect((await limiter.limit('u')).allowed).toBe(false) // back on free: its count stands
    const shared = fixedWindow({ limit: 3, window: '1m' })
    const tiers: Record<string, readonly Algorithm[]> = {
      basic: [shared],
      plus: [shared, tokenBucket({ capacity: 10, refillRate: 1 })],
    }
    const carried = createRateLimiter({
      store: referenceStore(),
      clock: () => now.t,
      algorithm: ({ context }) => tiers[context as string] as readonly Algorithm[],
    })
    await carried.limit('u', { context: 'basic', cost: 2 })
    const upgraded = await carried.limit('u', { context: 'plus' })
    expect(upgraded.policies[0]?.remaining).toBe(0) // the shared limit carried its 2 over
    expect((await carried.limit('u', { context: 'plus' })).allowed).toBe(false)
  })

  it('refunds, resets and waits under the limits of the context they are given', async () => {
    const now = { t: T0 }
    const limiter = planLimiter(now)
    const taken = await limiter.limit('u', { context: 'pro', cost: 3 })
    expect(await (taken.refund as () => Promise<boolean>)()).toBe(true)
    expect((await limiter.peek('u', { context: 'pro' })).remaining).toBe(3)
    await limiter.limit('u', { cost: 2 })
    expect(await limiter.refund('u', { cost: 1, context: 'pro' })).toBe(true) // pro is full: nothing to give
    expect((await limiter.peek('u')).remaining).toBe(0)
    expect(await limiter.refund('u', { cost: 1 })).toBe(true)
    expect((await limiter.peek('u')).remaining).toBe(1)
    await limiter.limit('u', { context: 'pro', cost: 3 })
    await limiter.reset('u', { context: 'pro' })
    expect((await limiter.peek('u', { context: 'pro' })).remaining).toBe(3)
    expect((await limiter.peek('u')).remaining).toBe(1) // free untouched
    const waited = await limiter.wait('w', { maxWaitMs: 0, context: 'pro', cost: 3 })
    expect(waited.limits?.map((l) => l.name)).toContain('pro')
  })

  it('checks what the function returns, once per returned object, and rejects the call with a ConfigError', async () => {
    const store = referenceStore()
    let calls = 0
    const checkedOnce = createRateLimiter({
      store,
      algorithm: () => {
        calls++
        return PLANS.pro
      },
    })
    for (let i = 0; i < 3; i++) await checkedOnce.limit(`k${i}`)
    expect(calls).toBe(3)
    const bad: Array<[unknown, RegExp, typeof ConfigError]> = [
      [
        undefined,
        /algorithm\(caller\) returned limits it cannot use: algorithm must come from a factory/,
        ConfigError,
      ],
      [[], /returned limits it cannot use: algorithm is an empty list/, ConfigError],
      [{ limit: 5 }, /must come from a factory/, ConfigError],
      [[PLANS.free, PLANS.free], /the same limit appears twice/, ConfigError],
      [Promise.resolve(PLANS.free), /returned a promise; it must return limits at once/, ConfigError],
    ]
    for (const [value, message, type] of bad) {
      const limiter = createRateLimiter({ store, algorithm: () => value as Algorithm })
      const rejection = limiter.limit('k')
      await expect(rejection).rejects.toThrow(type)
      await expect(rejection).rejects.toThrow(message)
    }
    const throwing = createRateLimiter({
      store,
      algorithm: () => {
        throw new RangeError('no such plan')
      },
    })
    await expect(throwing.limit('k')).rejects.toThrow('no such plan')
  })

  it('refuses limits the store cannot run, as a fixed algorithm is refused', async () => {
    const store: Store = {
      ...referenceStore(),
      capabilities: { algorithms: ['fixedWindow'], composite: false },
    }
    const limiter = createRateLimiter({ store, algorithm: () => leakyBucket({ capacity: 2, leakRate: 1 }) })
    await expect(limiter.limit('k')).rejects.toThrow(UnsupportedAlgorithmError)
    const two = createRateLimiter({
      store,
      algorithm: () => [fixedWindow({ limit: 1, window: 1000 }), fixedWindow({ limit: 2, window: 1000 })],
    })
    await expect(two.limit('k')).rejects.toThrow(/cannot apply several limits atomically/)
  })

  it('answers keys on its allow and deny lists before picking limits or asking the store', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: ({ context }: { context: Plan | undefined }) => PLANS[context ?? 'free'],
      allow: { keys: ['friend'] },
      deny: { keys: ['abuser'] },
    })
    const denied = await limiter.limit('abuser', { context: 'pro' })
    expect([denied.allowed, denied.listed]).toEqual([false, 'deny'])
    const allowed = await limiter.limit('friend')
    expect([allowed.allowed, allowed.listed]).toEqual([true, 'allow'])
    for (let i = 0; i < 5; i++) expect((await limiter.limit('friend')).allowed).toBe(true)
    expect((await limiter.limit('other')).listed).toBeUndefined()
  })

  it('a cost no picked limit can admit is an InputError for that call only', async () => {
    const limiter = planLimiter()
    await expect(limiter.limit('k', { cost: 3 })).rejects.toThrow(/cost 3 can never be admitted: free/)
    expect((await limiter.limit('k', { cost: 3, context: 'pro' })).allowed).toBe(true)
  })

  it('context is refused by limiters whose limits do not depend on it', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), algorithm: PLANS.free })
    for (const call of [
      () => limiter.limit('k', { context: 'pro' }),
      () => limiter.peek('k', { context: 'pro' }),
      () => limiter.refund('k', { context: 'pro' }),
      () => limiter.reset('k', { context: 'pro' }),
    ]) {
      await expect(call()).rejects.toThrow(InputError)
      await expect(call()).rejects.toThrow(
        /context picks the limits of a limiter whose algorithm is a function/,
      )
    }
    await expect(limiter.reset('k', { contxt: 1 } as never)).rejects.toThrow(/did you mean "context"/)
  })

  it('matches a limiter per plan on random histories (same decisions, same counts)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b'),
            plan: fc.constantFrom<Plan>('free', 'pro'),
            dt: fc.nat(30_000),
            cost: fc.nat(2),
          }),
          { maxLength: 40 },
        ),
        async (calls) => {
          const now = { t: T0 }
          const store = referenceStore()
          const limiter = planLimiter(now, store)
          const one = (plan: Plan) =>
            createRateLimiter({
              store: referenceStore(),
              clock: () => now.t,
              algorithm: PLANS[plan],
              shareCounters: true,
            })
          const per = { free: one('free'), pro: one('pro') }
          for (const c of calls) {
            now.t += c.dt
            const got = await limiter.limit(c.key, { context: c.plan, cost: c.cost })
            const want = await per[c.plan].limit(c.key, { cost: c.cost })
            expect({
              allowed: got.allowed,
              remaining: got.remaining,
              retryAfterMs: got.retryAfterMs,
            }).toEqual({
              allowed: want.allowed,
              remaining: want.remaining,
              retryAfterMs: want.retryAfterMs,
            })
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
