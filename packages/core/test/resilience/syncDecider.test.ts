// A store's syncDecider (a limiter's one-limit calls without a request): checked like any reply,
// its faults handled by the failure policy, its answers the same as the request path's.
import { describe, expect, it, vi } from 'vitest'
import type { RefundRequest, Store } from '../../src/entries/store.ts'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  type LimitDecision,
  StoreError,
} from '../../src/index.ts'
import { testStore } from './support.ts'

const limit = fixedWindow({ limit: 3, window: '1m' })
const T0 = 1_700_000_000_000

type Out = { -readonly [F in keyof LimitDecision]: LimitDecision[F] }

/**
 * The test store with a syncDecider that answers through `applySync` (so its numbers are the
 * reference's) and then lets `spoil` change the answer or throw; it records what it was asked.
 */
function deciderStore(spoil: (out: Out) => void = () => {}) {
  const { store } = testStore({ sync: true })
  const asked: { start: string; key: string; cost: number; consume: boolean; now: number | undefined }[] = []
  const decided: Store = {
    ...store,
    syncDecider: (start, one) => (key, cost, consume, now, maxDelayMs, out) => {
      asked.push({ start, key, cost, consume, now })
      const d = store.applySync?.({ key: start + key, limits: [one], cost, consume, now, maxDelayMs })?.[0]
      Object.assign(out, d)
      spoil(out)
    },
  }
  return { store: decided, asked }
}

describe('a limiter on a store with a syncDecider', () => {
  it('asks the decider with the caller key, cost, clock and start, and answers what applySync answers', async () => {
    const { store, asked } = deciderStore()
    const plain = testStore({ sync: true }).store
    const now = () => T0
    const viaDecider = createRateLimiter({ store, algorithm: limit, prefix: 'api', clock: now })
    const viaRequests = createRateLimiter({ store: plain, algorithm: limit, prefix: 'api', clock: now })
    for (const [key, cost] of [
      ['a', 1],
      ['a', 2],
      ['a', 1],
      ['b', 3],
    ] as const) {
      expect(await viaDecider.limit(key, { cost })).toStrictEqual(await viaRequests.limit(key, { cost }))
    }
    expect(await viaDecider.peek('a')).toStrictEqual(await viaRequests.peek('a'))
    expect(asked[0]).toEqual({ start: 'api:', key: 'a', cost: 1, consume: true, now: T0 })
    expect(asked.at(-1)).toEqual({ start: 'api:', key: 'a', cost: 0, consume: false, now: T0 })
  })

  it('checks every answer: a bad one is a StoreError, handled by the failure policy', async () => {
    const { store } = deciderStore((out) => {
      out.remaining = -1
    })
    await expect(
      createRateLimiter({ store, algorithm: limit, shareCounters: true }).limit('k'),
    ).rejects.toThrow(/^test store: bad reply: decision 0: remaining must be a whole number ≥ 0, got -1/)
    const denied = await createRateLimiter({
      store,
      algorithm: limit,
      onStoreError: 'deny',
      shareCounters: true,
    }).limit('k')
    expect(denied).toMatchObject({ allowed: false, degraded: { reason: 'store-error', mode: 'deny' } })
  })

  it('turns a throw into a StoreError for the failure policy, with the joined limiter key for onError', async () => {
    const { store } = deciderStore(() => {
      throw new Error('disk on fire')
    })
    const keys: string[] = []
    const limiter = createRateLimiter({
      store,
      algorithm: limit,
      prefix: 'api',
      onStoreError: 'allow',
      onError: (_error, fault) => keys.push(fault.key),
    })
    const allowed = await limiter.limit('k')
    expect(allowed).toMatchObject({ allowed: true, degraded: { reason: 'store-error', mode: 'allow' } })
    expect(allowed.degraded?.error).toBeInstanceOf(StoreError)
    expect(allowed.degraded?.error.message).toMatch(/disk on fire/)
    expect(keys).toEqual(['api:k'])
  })

  it('is not asked once the limiter is closed', async () => {
    const { store, asked } = deciderStore()
    const limiter = createRateLimiter({ store, algorithm: limit })
    await limiter.close()
    await expect(limiter.limit('k')).rejects.toThrow(/this limiter was closed/)
    expect(asked).toHaveLength(0)
  })

  it('is not used for several limits or a deny cache: those send requests', async () => {
    const second = fixedWindow({ limit: 9, window: '1h' })
    for (const options of [{ algorithm: [limit, second] }, { algorithm: limit, denyCache: true }] as const) {
      const { store, asked } = deciderStore()
      await createRateLimiter({ store, ...options, shareCounters: true }).limit('k')
      expect(asked).toHaveLength(0)
    }
  })

  it('is used with a decision listener too, which gets the event with the store latency', async () => {
    const { store, asked } = deciderStore()
    const limiter = createRateLimiter({ store, algorithm: limit, prefix: 'api', clock: () => T0 })
    const seen: unknown[] = []
    limiter.events.on('decision', (event) => seen.push(event))
    const decision = await limiter.limit('k', { cost: 2 })
    expect(asked).toHaveLength(1)
    expect(seen).toEqual([
      expect.objectContaining({
        limiter: 'api',
        operation: 'limit',
        cost: 2,
        allowed: true,
        remaining: 1,
        cached: false,
        timeMs: T0,
        storeLatencyMs: expect.any(Number),
        decision,
      }),
    ])
  })

  it('without a clock, gives the decider Date.now() and times the refund by it: a take reads no other clock', async () => {
    const { store, asked } = deciderStore()
    const refunds: RefundRequest[] = []
    const refund = store.refund as NonNullable<Store['refund']>
    const recorded: Store = {
      ...store,
      refund: (request) => {
        refunds.push(request)
        return refund(request)
      },
    }
    const limiter = createRateLimiter({ store: recorded, algorithm: limit })
    // Core's tests have no DOM types: the global as the limiter reads it.
    const { performance } = globalThis as unknown as { performance: { now(): number } }
    const wall = vi.spyOn(Date, 'now').mockReturnValue(T0 + 10_000)
    const monotonic = vi.spyOn(performance, 'now')
    try {
      const taken = await limiter.limit('k', { cost: 2 })
      expect(asked).toEqual([{ start: 'sluice:', key: 'k', cost: 2, consume: true, now: T0 + 10_000 }])
      expect(monotonic).not.toHaveBeenCalled()
      wall.mockReturnValue(T0 + 25_000)
      expect(await taken.refund?.()).toBe(true)
      // The take's window, named exactly: 15 s after it, its reset is 15 s nearer.
      expect(refunds).toEqual([
        expect.objectContaining({ cost: 2, now: T0 + 25_000, takenResetMs: [taken.resetAfterMs - 15_000] }),
      ])
      expect((await limiter.peek('k')).remaining).toBe(3)
    } finally {
      wall.mockRestore()
      monotonic.mockRestore()
    }
  })

  it('refuses a store whose syncDecider is no function, or comes without applySync', () => {
    const { store } = testStore({ sync: true })
    expect(() =>
      createRateLimiter({ store: { ...store, syncDecider: 1 } as unknown as Store, algorithm: limit }),
    ).toThrow(/syncDecider must be a function when present, got 1/)
    const { store: network } = testStore()
    expect(() =>
      createRateLimiter({ store: { ...network, syncDecider: () => undefined }, algorithm: limit }),
    ).toThrow(ConfigError)
  })
})
