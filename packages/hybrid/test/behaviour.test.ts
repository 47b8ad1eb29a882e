// hybridStore on a memory shared store with a controlled clock: forwards, shares, merges, renewals.
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  StoreError,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import type { Store, StoreRequest } from '@sluice/core/store'
import { memoryStore } from '@sluice/memory'
import { describe, expect, it } from 'vitest'
import { hybridStore } from '../src/index.ts'

const T0 = 1_700_000_000_000
const KEY = 'api:user'

/** A shared memory store that counts its calls. */
function countedShared(): { store: Store; calls: StoreRequest[] } {
  const inner = memoryStore()
  const calls: StoreRequest[] = []
  const store: Store = {
    name: 'counted',
    capabilities: inner.capabilities,
    apply: (request) => {
      calls.push(request)
      return inner.apply(request)
    },
    reset: (key, limits) => inner.reset(key, limits),
  }
  return { store, calls }
}

const take = (store: Store, limit: Algorithm, now: number, cost = 1) =>
  store.apply({ key: KEY, limits: [limit], cost, consume: true, now }).then(([d]) => d)
const peekShared = (store: Store, limit: Algorithm, now: number) =>
  store.apply({ key: KEY, limits: [limit], cost: 0, consume: false, now }).then(([d]) => d)
/** Lets background merges on the memory store settle (they resolve in microtasks). */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('hybridStore', () => {
  it('asks the shared store first, then decides locally within its share until the next sync', async () => {
    const { store: shared, calls } = countedShared()
    const hybrid = hybridStore({ store: shared, instances: 4, syncIntervalMs: 1000, timer: false })
    const limit = fixedWindow({ limit: 100, window: '1h' })
    const first = await take(hybrid, limit, T0)
    expect(first).toMatchObject({ allowed: true, remaining: 99 })
    expect(calls).toHaveLength(1)
    // share = ceil(99 / 4) = 25 units decided in process
    for (let i = 0; i < 25; i++) expect((await take(hybrid, limit, T0 + 1))?.allowed).toBe(true)
    expect(calls).toHaveLength(1)
    expect((await peekShared(shared, limit, T0 + 1))?.remaining).toBe(99)
    // the interval passes: the next call merges the 25 pending units in the background
    await take(hybrid, limit, T0 + 1000)
    await settle()
    expect((await peekShared(shared, limit, T0 + 1000))?.remaining).toBe(74)
    expect(hybrid.stats()).toMatchObject({ decisions: 27, forwarded: 1, syncs: 1 })
  })

  it('renews a spent share at once while the shared store has more, instead of denying', async () => {
    const { store: shared } = countedShared()
    const hybrid = hybridStore({
      store: shared,
      instances: 4,
      syncIntervalMs: '1h',
      clock: () => T0,
      timer: false,
    })
    const limit = tokenBucket({ capacity: 10, refillRate: 1, refillInterval: '1h' })
    let admitted = 0
    for (let i = 0; i < 12; i++) if ((await take(hybrid, limit, T0))?.allowed) admitted += 1
    // a lone instance drains the whole bucket in shares of ceil(remaining / 4), never more
    expect(admitted).toBe(10)
    await hybrid.flush()
    expect((await peekShared(shared, limit, T0))?.remaining).toBe(0)
  })

  it('denies once the shared budget is spent, with retryAfterMs up to the window end for a fixed window', async () => {
    const { store: shared } = countedShared()
    const a = hybridStore({ store: shared, instances: 2, syncIntervalMs: 100, timer: false })
    const b = hybridStore({ store: shared, instances: 2, syncIntervalMs: 100, timer: false })
    const limit = fixedWindow({ limit: 10, window: 1000 })
    let admitted = 0
    for (let t = 0; t < 900; t += 10) {
      for (const s of [a, b]) if ((await take(s, limit, T0 + t))?.allowed) admitted += 1
      await settle()
    }
    expect(admitted).toBeGreaterThanOrEqual(10)
    // within the bound: instances × ceil(limit / instances) over at most
    expect(admitted).toBeLessThanOrEqual(10 + 2 * 5)
    const denied = await take(a, limit, T0 + 900)
    expect(denied?.allowed).toBe(false)
    expect(denied?.retryAfterMs).toBe(100)
  })

  it("starts a fixed window's next window from a full share, dropping the old window's pending counts", async () => {
    const { store: shared, calls } = countedShared()
    const hybrid = hybridStore({ store: shared, instances: 1, syncIntervalMs: '1h', timer: false })
    const limit = fixedWindow({ limit: 3, window: 1000 })
    for (let i = 0; i < 3; i++) expect((await take(hybrid, limit, T0 + i))?.allowed).toBe(true)
    expect((await take(hybrid, limit, T0 + 5))?.allowed).toBe(false)
    const before = calls.length
    // decided locally (not forwarded), and merged at once in the background
    expect(await take(hybrid, limit, T0 + 1000)).toMatchObject({ allowed: true, remaining: 2 })
    expect(hybrid.stats().forwarded).toBe(1)
    await settle()
    expect(calls.length).toBe(before + 1)
    expect((await peekShared(shared, limit, T0 + 1000))?.remaining).toBe(2)
  })

  it('merges on syncEvery units without waiting for the interval', async () => {
    const { store: shared } = countedShared()
    const hybrid = hybridStore({
      store: shared,
      instances: 1,
      syncIntervalMs: '1h',
      syncEvery: 5,
      timer: false,
    })
    const limit = slidingWindow({ limit: 100, window: '1m' })
    for (let i = 0; i < 6; i++) await take(hybrid, limit, T0)
    await settle()
    // 1 forwarded + 5 merged by the count trigger; the sixth is still pending
    expect((await peekShared(shared, limit, T0))?.remaining).toBe(94)
  })

  it('flushes pending counts on close() and rejects calls afterwards', async () => {
    const { store: shared } = countedShared()
    const clock = () => T0
    const hybrid = hybridStore({ store: shared, instances: 2, syncIntervalMs: '1h', clock, timer: false })
    const limit = fixedWindow({ limit: 50, window: '1h' })
    for (let i = 0; i < 8; i++) await take(hybrid, limit, T0)
    expect((await peekShared(shared, limit, T0))?.remaining).toBe(49)
    await hybrid.close()
    expect((await peekShared(shared, limit, T0))?.remaining).toBe(42)
    await expect(take(hybrid, limit, T0)).rejects.toThrow(/closed/)
    await hybrid.close()
  })

  it('forgets a reset counter here and in the shared store', async () => {
    const { store: shared } = countedShared()
    const hybrid = hybridStore({ store: shared, instances: 1, syncIntervalMs: '1h', timer: false })
    const limit = fixedWindow({ limit: 2, window: '1h' })
    await take(hybrid, limit, T0)
    await take(hybrid, limit, T0)
    expect((await take(hybrid, limit, T0))?.allowed).toBe(false)
    await hybrid.reset(KEY, [limit])
    expect(await take(hybrid, limit, T0)).toMatchObject({ allowed: true, remaining: 1 })
  })

  it('applies a composite all-or-nothing on the local shares', async () => {
    const { store: shared } = countedShared()
    const hybrid = hybridStore({
      store: shared,
      instances: 1,
      syncIntervalMs: '1h',
      clock: () => T0,
      timer: false,
    })
    const small = fixedWindow({ limit: 2, window: '1h' })
    const big = fixedWindow({ limit: 100, window: '1h' })
    const both = (now: number) =>
      hybrid.apply({ key: KEY, limits: [small, big], cost: 1, consume: true, now })
    await both(T0)
    await both(T0)
    const third = await both(T0)
    expect(third.map((d) => d.allowed)).toEqual([false, true])
    await hybrid.flush()
    expect((await peekShared(shared, big, T0))?.remaining).toBe(98)
  })
})

describe('hybridStore when the shared store fails', () => {
  function flakyShared() {
    const inner = memoryStore()
    const state = { down: false }
    const store: Store = {
      name: 'flaky',
      capabilities: inner.capabilities,
      apply: (request) =>
        state.down ? Promise.reject(new Error('connection refused')) : inner.apply(request),
      reset: (key, limits) => inner.reset(key, limits),
    }
    return { store, state }
  }

  it("follows the limiter's onStoreError policy until a retry merges the pending units", async () => {
    const { store: shared, state } = flakyShared()
    let now = T0
    // flush() reads the store's clock: the same one as the limiter's
    const clock = () => now
    const hybrid = hybridStore({ store: shared, instances: 1, syncIntervalMs: 100, clock, timer: false })
    const limit = fixedWindow({ limit: 1000, window: '1h' })
    const limiter = createRateLimiter({
      store: hybrid,
      algorithm: limit,
      clock: () => now,
      onStoreError: 'deny',
    })
    expect((await limiter.limit('k')).allowed).toBe(true)
    for (let i = 0; i < 5; i++) await limiter.limit('k')
    state.down = true
    now += 100
    // this call starts the merge (it fails in the background); the next calls follow the policy
    expect((await limiter.limit('k')).allowed).toBe(true)
    await settle()
    const degraded = await limiter.limit('k')
    expect(degraded.allowed).toBe(false)
    expect(degraded.degraded).toBeDefined()
    await expect(
      hybrid.apply({ key: 'x', limits: [limit], cost: 1, consume: true, now }),
    ).rejects.toBeInstanceOf(StoreError)
    state.down = false
    now += 100
    // the first call after an interval retries the merge and still fails itself; then all is local again
    expect((await limiter.limit('k')).allowed).toBe(false)
    await settle()
    expect((await limiter.limit('k')).allowed).toBe(true)
    await hybrid.flush()
    // 1 forwarded + 6 merged late + 1 after recovery = 8, none lost
    const [d] = await shared.apply({ key: 'sluice:k', limits: [limit], cost: 0, consume: false, now })
    expect(d?.remaining).toBe(1000 - 8)
  })
})
