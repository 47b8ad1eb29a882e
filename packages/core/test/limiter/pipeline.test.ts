// A plain limiter and a rules limiter run one pipeline: the same checks, in the same order, before the store.
import { describe, expect, it } from 'vitest'
import { ConfigError, createRateLimiter, fixedWindow, gcra, InputError, parseRules } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const rules = parseRules({
  domain: 'api',
  descriptors: [
    { key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 100 } },
    { key: 'route', rate_limit: { name: 'burst', unit: 'second', requests_per_unit: 4 } },
    { key: 'probe', shadow_mode: true, rate_limit: { unit: 'second', requests_per_unit: 1 } },
  ],
})
const both = [[{ key: 'user', value: '1' }], [{ key: 'route', value: '/a' }]]

/** A plain limiter and a rules limiter with the same two limits (100/min and 4/s), on stores that count calls. */
function limiters(clock?: () => number) {
  const plain = testStore()
  const fromRules = testStore()
  const algorithm = [
    fixedWindow({ limit: 100, window: '1m' }),
    fixedWindow({ limit: 4, window: '1s', name: 'burst' }),
  ]
  return {
    plain,
    fromRules,
    // One input per limiter, and a bad one of each kind.
    calls: [
      {
        store: plain,
        limiter: createRateLimiter({ store: plain.store, algorithm, ...(clock ? { clock } : {}) }),
        input: 'user:1',
        bad: '',
      },
      {
        store: fromRules,
        limiter: createRateLimiter({ store: fromRules.store, rules, ...(clock ? { clock } : {}) }),
        input: { descriptors: both },
        bad: { descriptors: [] },
      },
    ] as const,
  }
}

describe('one pipeline for plain and rules limiters', () => {
  it('checks the call options first, then the input, then the cost: the same errors, no store call', async () => {
    for (const { limiter, input, bad, store } of limiters().calls) {
      const call = limiter.limit as (input: unknown, options?: unknown) => Promise<unknown>
      // Bad options and bad input: the options are named.
      await expect(call(bad, 5)).rejects.toThrow(
        /options must be an object, got 5; to take 5 units, pass \{ cost: 5 \}/,
      )
      // Good options, bad input: the input is named.
      await expect(call(bad, { cost: 1 })).rejects.toBeInstanceOf(InputError)
      // Good input, bad cost, bad maxDelayMs.
      await expect(call(input, { cost: -1 })).rejects.toThrow(/^cost must be a non-negative integer, got -1$/)
      await expect(call(input, { maxDelayMs: 'soon' })).rejects.toThrow(/^maxDelayMs must be/)
      expect(store.counts.apply).toBe(0)
    }
  })

  it('a cost over every limit names the tightest limit, in one message for both', async () => {
    for (const { limiter, input, store } of limiters().calls) {
      const call = limiter.limit as (input: unknown, options?: unknown) => Promise<unknown>
      await expect(call(input, { cost: 101 })).rejects.toThrow(
        /^cost 101 can never be admitted: burst admits at most 4 at once; lower the cost or raise the limit$/,
      )
      expect(store.counts.apply).toBe(0)
    }
  })

  it('a bad clock reading is the same ConfigError for both, after the input is checked', async () => {
    for (const { limiter, input, bad, store } of limiters(() => -5).calls) {
      const call = limiter.limit as (input: unknown, options?: unknown) => Promise<unknown>
      await expect(call(bad)).rejects.toBeInstanceOf(InputError)
      await expect(call(input)).rejects.toThrow(ConfigError)
      await expect(call(input)).rejects.toThrow(/clock must return epoch milliseconds/)
      expect(store.counts.apply).toBe(0)
    }
  })

  it('both decide the same way through the same store call: numbers, deciding policy, all-or-nothing', async () => {
    const { calls } = limiters(() => 1_000_000)
    const [plain, fromRules] = calls
    for (let i = 0; i < 5; i++) {
      const a = await plain.limiter.limit(plain.input)
      const b = await fromRules.limiter.limit(fromRules.input)
      expect(b.allowed).toBe(a.allowed)
      expect(b.remaining).toBe(a.remaining)
      expect(b.retryAfterMs).toBe(a.retryAfterMs)
      expect(b.policies.map((p) => p.remaining)).toEqual(a.policies.map((p) => p.remaining))
    }
    // The fifth call was refused by the 4/s limit and took nothing from the other.
    const last = await fromRules.limiter.peek(fromRules.input)
    expect(last.policies.map((p) => p.remaining)).toEqual([96, 0])
    // Only a rules limiter's decisions carry their limits (they differ per request).
    expect((await plain.limiter.peek(plain.input)).limits).toBeUndefined()
    expect(last.limits?.map((l) => l.name)).toEqual(['user', 'burst'])
  })

  it('shadow limits go in a store request of their own and never decide', async () => {
    const store = testStore()
    const denied: string[] = []
    const limiter = createRateLimiter({
      store: store.store,
      rules,
      clock: () => 1_000_000,
      onShadowDeny: (e) => denied.push(e.policy.policy),
    })
    const request = { descriptors: [[{ key: 'user', value: '1' }], [{ key: 'probe', value: 'x' }]] }
    expect((await limiter.limit(request)).allowed).toBe(true)
    const second = await limiter.limit(request)
    expect(second.allowed).toBe(true)
    expect(second.shadow?.map((p) => p.allowed)).toEqual([false])
    expect(denied).toEqual(['probe'])
    // Two calls, each one enforced and one shadow store request.
    expect(store.counts.apply).toBe(4)
  })

  it('a request that matches no rule is allowed with no policies, and asks the store nothing', async () => {
    const store = testStore()
    const limiter = createRateLimiter({ store: store.store, rules })
    const decision = await limiter.limit({ descriptors: [[{ key: 'nothing', value: 'x' }]] })
    expect(decision).toMatchObject({ allowed: true, policy: '', policies: [], limits: [] })
    expect(store.counts.apply).toBe(0)
  })

  it('a plain limiter answers with the store call itself (one promise, no copy of the decision)', async () => {
    const store = testStore({ sync: true })
    const limiter = createRateLimiter({ store: store.store, algorithm: gcra({ rate: 5, period: '1s' }) })
    const decision = await limiter.limit('k')
    expect(Object.keys(decision).sort()).toEqual(
      [
        'allowed',
        'delayMs',
        'limit',
        'policies',
        'policy',
        'remaining',
        'resetAfterMs',
        'retryAfterMs',
      ].sort(),
    )
  })
})
