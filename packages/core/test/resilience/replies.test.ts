// A store's reply is checked before it becomes a decision: a bad one is a store fault.
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/entries/store.ts'
import {
  CircuitOpenError,
  createRateLimiter,
  fixedWindow,
  type LimitDecision,
  StoreError,
  tokenBucket,
} from '../../src/index.ts'
import { testStore, wellFormed } from './support.ts'

const limits = [fixedWindow({ limit: 3, window: '1m' }), tokenBucket({ capacity: 5, refillRate: 1 })]
const good: LimitDecision = {
  allowed: true,
  limit: 3,
  remaining: 2,
  resetAfterMs: 1000,
  retryAfterMs: 0,
  delayMs: 0,
}

/** Each kind of bad reply: what the store answers for the two limits, and what the error must name. */
const badReplies: [string, unknown, RegExp][] = [
  ['no array', { ok: true }, /an array of 2 decisions .*got \[object Object\]/],
  ['undefined', undefined, /got undefined/],
  ['too few decisions', [good], /an array of 2 decisions .*got an array of 1/],
  ['too many decisions', [good, good, good], /got an array of 3/],
  ['a decision that is null', [good, null], /decision 1 is null/],
  [
    'allowed as a string',
    [good, { ...good, allowed: 'true' }],
    /decision 1: allowed must be true or false, got "true"/,
  ],
  [
    'allowed missing',
    [{ ...good, allowed: undefined }, good],
    /decision 0: allowed must be true or false, got undefined/,
  ],
  ['a limit of 0', [{ ...good, limit: 0 }, good], /decision 0: limit must be a whole number ≥ 1, got 0/],
  [
    'a huge negative remaining',
    [{ ...good, remaining: -999999999999 }, good],
    /remaining must be a whole number ≥ 0, got -999999999999/,
  ],
  ['remaining NaN', [{ ...good, remaining: Number.NaN }, good], /remaining must be .*got NaN/],
  ['remaining as a numeric string', [{ ...good, remaining: '2' }, good], /remaining must be .*got "2"/],
  ['a fractional remaining', [good, { ...good, remaining: 1.5 }], /decision 1: remaining must be .*got 1.5/],
  [
    'resetAfterMs Infinity',
    [{ ...good, resetAfterMs: Number.POSITIVE_INFINITY }, good],
    /resetAfterMs must be .*got Infinity/,
  ],
  [
    'retryAfterMs Infinity',
    [{ ...good, allowed: false, retryAfterMs: Number.POSITIVE_INFINITY }, good],
    /retryAfterMs must be .*got Infinity/,
  ],
  [
    'retryAfterMs negative',
    [{ ...good, allowed: false, retryAfterMs: -1 }, good],
    /retryAfterMs must be .*got -1/,
  ],
  ['delayMs missing', [good, { ...good, delayMs: undefined }], /delayMs must be .*got undefined/],
]

/** A store named `broken` that answers every call with `reply`, asynchronously or not. */
function brokenStore(reply: unknown, sync = false): Store & { calls: number } {
  const base = testStore().store
  const store = {
    ...base,
    name: 'broken',
    calls: 0,
    apply: async () => {
      store.calls++
      return reply as readonly LimitDecision[]
    },
    ...(sync
      ? {
          applySync: () => {
            store.calls++
            return reply as readonly LimitDecision[]
          },
        }
      : {}),
  }
  return store
}

describe('a store reply that breaks the Store contract is a StoreError naming the store, the field and the value', () => {
  it.each(badReplies)('%s', async (_, reply, names) => {
    for (const sync of [false, true]) {
      const limiter = createRateLimiter({ store: brokenStore(reply, sync), algorithm: limits })
      const error = await limiter.limit('k').catch((e: unknown) => e)
      expect(error, `sync: ${sync}`).toBeInstanceOf(StoreError)
      expect((error as Error).message).toMatch(/^broken store: bad reply: /)
      expect((error as Error).message).toMatch(names)
    }
  })

  it.each(badReplies)('%s: the failure policy answers, as for any fault', async (_, reply) => {
    for (const sync of [false, true]) {
      const denied = await createRateLimiter({
        store: brokenStore(reply, sync),
        algorithm: limits,
        onStoreError: 'deny',
      }).limit('k')
      expect(denied).toMatchObject({ allowed: false, degraded: { reason: 'store-error', mode: 'deny' } })
      expect(wellFormed(denied) && denied.policies.every(wellFormed)).toBe(true)
      const fallback = testStore({ sync: true })
      const decided = await createRateLimiter({
        store: brokenStore(reply, sync),
        algorithm: limits,
        onStoreError: fallback.store,
      }).limit('k')
      expect(decided).toMatchObject({ allowed: true, remaining: 2, degraded: { mode: 'fallback' } })
    }
  })

  it('counts toward the circuit breaker, and is never remembered by the deny cache', async () => {
    const store = brokenStore([{ ...good, allowed: false, retryAfterMs: Number.POSITIVE_INFINITY }, good])
    const faults: string[] = []
    const limiter = createRateLimiter({
      store,
      algorithm: limits,
      onStoreError: 'deny',
      circuitBreaker: { failures: 3, coolDownMs: '1m' },
      onError: (error) => faults.push(error.message),
    })
    const decisions = []
    for (let i = 0; i < 5; i++) decisions.push(await limiter.limit('k'))
    // Three bad replies open the circuit; the deny cache kept none of them, so each reached the store.
    expect(store.calls).toBe(3)
    expect(faults).toHaveLength(3)
    expect(decisions.map((d) => d.degraded?.reason)).toEqual([
      'store-error',
      'store-error',
      'store-error',
      'circuit-open',
      'circuit-open',
    ])
    expect(decisions[4]?.degraded?.error).toBeInstanceOf(CircuitOpenError)
  })

  it("a fallback store's bad reply is checked too", async () => {
    const failing = testStore()
    failing.setFault('fail')
    const limiter = createRateLimiter({
      store: failing.store,
      algorithm: limits,
      onStoreError: brokenStore([good, { ...good, remaining: Number.NaN }], true),
    })
    await expect(limiter.limit('k')).rejects.toThrow(
      /the fallback broken store failed too: broken store: bad reply: decision 1: remaining must be .*got NaN/,
    )
  })

  it('a good reply passes untouched', async () => {
    const limiter = createRateLimiter({
      store: brokenStore([good, { ...good, limit: 5, remaining: 4 }]),
      algorithm: limits,
    })
    expect(await limiter.limit('k')).toMatchObject({ allowed: true, limit: 3, remaining: 2 })
  })
})
