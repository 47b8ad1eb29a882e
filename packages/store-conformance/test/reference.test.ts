import { createRateLimiter, fixedWindow, leakyBucket, UnsupportedAlgorithmError } from '@sluice/core'
import { ALGORITHM_KINDS } from '@sluice/core/store'
import { describe, expect, it } from 'vitest'
import { describeCosts, describeStore, referenceStore } from '../src/index.ts'

// The suite must hold for its own model: a check on the suite's hand-computed expectations against core.
describeStore('reference model', () => referenceStore())
// A store without capabilities.costs: the costs area checks the ConfigError instead.
describeCosts('reference model without costs', () => referenceStore({ costs: false }))

describe('referenceStore, the one reference every test uses', () => {
  it('honours maxDelayMs: a shaped request that would wait too long is denied and takes nothing', async () => {
    const now = 1_000_000
    const store = referenceStore()
    const request = {
      key: 'k',
      limits: [leakyBucket({ capacity: 3, leakRate: 1, leakInterval: 1000 })],
      cost: 1,
      consume: true,
      now,
    }
    expect((await store.apply(request))[0]).toMatchObject({ allowed: true, delayMs: 0 })
    expect((await store.apply(request))[0]).toMatchObject({ allowed: true, delayMs: 1000 })
    // The next would wait 2000 ms: over a bound of 1500 it is denied, with the extra wait.
    expect((await store.apply({ ...request, maxDelayMs: 1500 }))[0]).toMatchObject({
      allowed: false,
      retryAfterMs: 500,
    })
    expect((await store.apply(request))[0]).toMatchObject({ allowed: true, delayMs: 2000 })
  })

  it('declares every kind by default, or what it is told; answers synchronously only when asked', () => {
    expect(referenceStore().capabilities).toEqual({
      algorithms: ALGORITHM_KINDS,
      composite: true,
      penalties: true,
      costs: true,
      charge: true,
    })
    expect(referenceStore().applySync).toBeUndefined()
    const narrow = referenceStore({ algorithms: ['fixedWindow'], composite: false, sync: true })
    expect(typeof narrow.applySync).toBe('function')
    expect(() =>
      createRateLimiter({ store: narrow, algorithm: leakyBucket({ capacity: 1, leakRate: 1 }) }),
    ).toThrow(UnsupportedAlgorithmError)
  })

  it('uses its clock for a request without now, and drops a state at the first instant its TTL allows', async () => {
    let t = 5_000_000
    const store = referenceStore({ clock: () => t })
    // No deny cache: it would time the denial on this process's clock, not the store's.
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: 1000 }),
      denyCache: false,
    })
    expect((await limiter.limit('k')).allowed).toBe(true)
    expect((await limiter.limit('k')).allowed).toBe(false)
    t += 1000
    expect((await limiter.limit('k')).allowed).toBe(true)
  })
})
