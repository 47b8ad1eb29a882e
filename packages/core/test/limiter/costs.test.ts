// Several costs in one call: how a cost object is checked, resolved and sent (core's side).
import { describe, expect, it } from 'vitest'
import type { Store, StoreRequest } from '../../src/entries/store.ts'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  InputError,
  parseRules,
  throttle,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const EPOCH = 1_700_000_000_000
const clock = () => EPOCH

function limits() {
  return [
    fixedWindow({ name: 'requests', limit: 3, window: '1m' }),
    tokenBucket({ name: 'tokens', capacity: 5000, refillRate: 1, refillInterval: '1d' }),
  ]
}

/** A limiter over the test store (network-like, counted), recording each request it sends. */
function setup(options: { denyCache?: boolean; costs?: boolean } = {}) {
  const test = testStore()
  const sent: StoreRequest[] = []
  const store: Store = {
    ...test.store,
    capabilities: { ...test.store.capabilities, costs: options.costs ?? true },
    apply(request) {
      sent.push(request)
      return test.store.apply(request)
    },
  }
  const limiter = createRateLimiter({
    store,
    algorithm: limits(),
    clock,
    denyCache: options.denyCache ?? false,
  })
  return { limiter, sent, counts: test.counts }
}

describe('cost objects: checked before the store', () => {
  it.each([
    [{ tokns: 5 }, /cost: no limit is named "tokns".*did you mean "tokens"/],
    [{ tokens: -1 }, /^cost\.tokens must be a non-negative integer, got -1$/],
    [{ tokens: 1.5 }, /^cost\.tokens must be a non-negative integer, got 1\.5$/],
    [{ tokens: '2' }, /^cost\.tokens must be a non-negative integer, got "2"$/],
    [{ tokens: 5001 }, /^cost\.tokens: cost 5001 can never be admitted: tokens admits at most 5000/],
  ])('limit(key, { cost: %j }) is an InputError', async (cost, message) => {
    const { limiter, counts } = setup()
    await expect(limiter.limit('k', { cost: cost as never })).rejects.toThrow(InputError)
    await expect(limiter.peek('k', { cost: cost as never })).rejects.toThrow(message)
    expect(counts.apply).toBe(0)
  })

  it('a name two limits share is an InputError saying to name them apart', async () => {
    const store = testStore()
    const limiter = createRateLimiter({
      store: store.store,
      algorithm: [
        fixedWindow({ name: 'x', limit: 3, window: '1m' }),
        fixedWindow({ name: 'x', limit: 9, window: '1h' }),
      ],
    })
    await expect(limiter.limit('k', { cost: { x: 1 } })).rejects.toThrow(/two limits are named "x"/)
    expect(store.counts.apply).toBe(0)
  })

  it('a rules limiter refuses a cost object with an InputError', async () => {
    const store = testStore()
    const rules = parseRules({
      domain: 'api',
      descriptors: [{ key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 100 } }],
    })
    const limiter = createRateLimiter({ store: store.store, rules })
    const input = { descriptors: [[{ key: 'user', value: '1' }]] }
    await expect(limiter.limit(input, { cost: { user: 1 } })).rejects.toThrow(
      /rules limiter takes one number/,
    )
    await expect(limiter.refund(input, { cost: { user: 1 } })).rejects.toThrow(InputError)
    expect(store.counts.apply).toBe(0)
  })

  it('a refund by key that names no units is an InputError', async () => {
    const { limiter } = setup()
    await expect(limiter.refund('k', { cost: {} })).rejects.toThrow(/refund: cost \{\} gives nothing back/)
    await expect(limiter.refund('k', { cost: { tokns: 1 } })).rejects.toThrow(/did you mean "tokens"/)
  })
})

describe('cost objects: what the store is sent', () => {
  it('differing costs travel as costs, with cost their largest; equal ones as one number', async () => {
    const { limiter, sent } = setup()
    await limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
    await limiter.limit('k', { cost: { requests: 2, tokens: 2 } })
    await limiter.limit('k', { cost: { tokens: 7 } })
    expect(sent.map((r) => [r.cost, r.costs])).toStrictEqual([
      [1200, [1, 1200]],
      [2, undefined],
      [7, [0, 7]],
    ])
    expect('costs' in (sent[1] as StoreRequest)).toBe(false)
  })

  it('a store without capabilities.costs: a ConfigError naming it, before the store is asked', async () => {
    const { limiter, counts } = setup({ costs: false })
    const call = limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
    await expect(call).rejects.toThrow(ConfigError)
    await expect(limiter.limit('k', { cost: { tokens: 1 } })).rejects.toThrow(
      /^test store cannot take different costs per limit in one call/,
    )
    await expect(limiter.refund('k', { cost: { tokens: 1 } })).rejects.toThrow(
      /test store cannot take different costs per limit in one refund/,
    )
    expect(counts.apply).toBe(0)
    // Equal costs are one number: served.
    expect((await limiter.limit('k', { cost: { requests: 2, tokens: 2 } })).allowed).toBe(true)
    expect((await limiter.limit('k', { cost: { requests: 2, tokens: 2 } })).allowed).toBe(false)
    expect(counts.apply).toBe(2)
  })

  it('a decision of a per-caller limiter refunds its own per-limit units', async () => {
    const store = testStore()
    const limiter = createRateLimiter({ store: store.store, algorithm: () => limits(), clock })
    const taken = await limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
    expect(taken.policies.map((p) => p.remaining)).toStrictEqual([2, 3800])
    expect(await limiter.refund(taken)).toBe(true)
    expect((await limiter.peek('k')).policies.map((p) => p.remaining)).toStrictEqual([3, 5000])
  })

  it('decision events carry cost, the largest', async () => {
    const store = testStore()
    const costs: number[] = []
    const limiter = createRateLimiter({ store: store.store, algorithm: limits(), clock })
    limiter.events.on('decision', (e) => costs.push(e.cost))
    await limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
    expect(costs).toStrictEqual([1200])
  })
})

describe('cost objects and the deny cache', () => {
  it("a counter's denial answers only calls that take at least as much under that counter", async () => {
    const test = testStore()
    const limiter = createRateLimiter({
      store: test.store,
      algorithm: [
        fixedWindow({ name: 'requests', limit: 100, window: '1m' }),
        tokenBucket({ name: 'tokens', capacity: 50, refillRate: 1, refillInterval: '1d' }),
      ],
      clock,
      denyCache: true,
    })
    expect((await limiter.limit('k', { cost: { requests: 1, tokens: 45 } })).allowed).toBe(true)
    const refused = await limiter.limit('k', { cost: { requests: 1, tokens: 10 } })
    expect(refused).toMatchObject({ allowed: false, policy: 'tokens' })
    expect(test.counts.apply).toBe(2)
    // As costly under tokens: answered in-process.
    expect((await limiter.limit('k', { cost: { requests: 1, tokens: 10 } })).allowed).toBe(false)
    expect(test.counts.apply).toBe(2)
    // More in all (20 requests) but fewer tokens than denied: the store is asked, and admits.
    expect((await limiter.limit('k', { cost: { requests: 20, tokens: 5 } })).allowed).toBe(true)
    expect(test.counts.apply).toBe(3)
  })
})

describe('wait and throttle take cost objects', () => {
  it('wait admits with per-limit costs; throttle checks its cost object per call', async () => {
    const store = testStore()
    const limiter = createRateLimiter({ store: store.store, algorithm: limits(), clock })
    const d = await limiter.wait('k', { maxWaitMs: 0, cost: { requests: 1, tokens: 4000 } })
    expect(d.policies.map((p) => p.remaining)).toStrictEqual([2, 1000])
    const call = throttle(async () => 'done', limiter, { key: 'k', maxWaitMs: 0, cost: { tokens: 1000 } })
    expect(await call()).toBe('done')
    const bad = throttle(async () => 'done', limiter, { key: 'k', maxWaitMs: 0, cost: { tokns: 1 } })
    await expect(bad()).rejects.toThrow(/did you mean "tokens"/)
    expect(() => throttle(async () => 1, limiter, { key: 'k', maxWaitMs: 0, cost: -1 })).toThrow(ConfigError)
  })
})
