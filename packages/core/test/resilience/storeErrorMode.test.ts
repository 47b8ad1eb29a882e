import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  InputError,
  type StoreError,
  StoreError as StoreErrorClass,
  type StoreFault,
  StoreTimeoutError,
  tokenBucket,
} from '../../src/index.ts'
import { now, settledWithin, sleep, testStore, wellFormed } from './support.ts'

const limits = [
  fixedWindow({ limit: 3, window: '1m', name: 'perMinute' }),
  tokenBucket({ capacity: 5, refillRate: 1 }),
]
/** A still clock for tests that count to a limit: on the real one a minute boundary counts afresh. */
const clock = () => 1_699_999_998_000
const stores: ReturnType<typeof testStore>[] = []
const make = (options: { sync?: boolean; timeoutMs?: number } = {}) => {
  const s = testStore(options)
  stores.push(s)
  return s
}
afterEach(() => {
  for (const s of stores.splice(0)) s.release()
})

describe('no onStoreError: the call rejects with the fault, as before', () => {
  it('a failing store rejects with a StoreError carrying the cause', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, circuitBreaker: false })
    s.setFault('raw-error')
    const error = await limiter.limit('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreErrorClass)
    expect((error as StoreError).cause).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain('socket hang up')
  })

  it('a hanging store rejects with StoreTimeoutError within timeoutMs', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, timeoutMs: 50 })
    s.setFault('hang')
    const started = now()
    await expect(limiter.limit('k')).rejects.toBeInstanceOf(StoreTimeoutError)
    // Not before its deadline (a timer may fire up to 1 ms early on the loop's clock), and not hung.
    expect(now() - started).toBeGreaterThanOrEqual(50 - 1)
    expect(now() - started).toBeLessThan(settledWithin(50))
  })

  it('a store that throws synchronously rejects too', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits })
    s.setFault('throw')
    await expect(limiter.limit('k')).rejects.toBeInstanceOf(StoreErrorClass)
  })
})

describe("onStoreError: 'deny' fails closed", () => {
  it('answers a denial flagged degraded, with a retry hint and no negative numbers', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, onStoreError: 'deny' })
    s.setFault('fail')
    const d = await limiter.limit('k')
    expect(d.allowed).toBe(false)
    expect(d.degraded?.reason).toBe('store-error')
    expect(d.degraded?.mode).toBe('deny')
    expect(d.degraded?.error).toBeInstanceOf(StoreErrorClass)
    expect(d.retryAfterMs).toBeGreaterThan(0)
    expect(d.policies.map((p) => p.policy)).toEqual(limits.map((a) => a.name))
    expect(wellFormed(d) && d.policies.every(wellFormed)).toBe(true)
  })

  it('a timeout is a degraded denial with reason timeout', async () => {
    const s = make()
    const limiter = createRateLimiter({
      store: s.store,
      algorithm: limits,
      onStoreError: 'deny',
      timeoutMs: 30,
    })
    s.setFault('hang')
    const d = await limiter.limit('k')
    expect(d).toMatchObject({ allowed: false, degraded: { reason: 'timeout', mode: 'deny' } })
  })
})

describe("onStoreError: 'allow' fails open", () => {
  it('admits, flagged degraded', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, onStoreError: 'allow' })
    s.setFault('fail')
    const d = await limiter.limit('k')
    expect(d).toMatchObject({ allowed: true, retryAfterMs: 0, delayMs: 0, degraded: { mode: 'allow' } })
    expect(wellFormed(d)).toBe(true)
  })

  it('a healthy store still decides, and its decisions carry no degraded field', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, onStoreError: 'allow', clock })
    const decisions = await Promise.all([1, 2, 3, 4].map(() => limiter.limit('k')))
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false])
    expect(decisions.some((d) => 'degraded' in d)).toBe(false)
  })
})

describe('onStoreError: a fallback store decides instead', () => {
  it('counts in the fallback while the store is down, flagged degraded', async () => {
    const s = make()
    const fallback = make({ sync: true })
    const limiter = createRateLimiter({
      store: s.store,
      algorithm: limits,
      onStoreError: fallback.store,
      circuitBreaker: false,
      clock,
    })
    s.setFault('fail')
    const decisions = await Promise.all([1, 2, 3, 4].map(() => limiter.limit('k')))
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false])
    expect(decisions.every((d) => d.degraded?.mode === 'fallback')).toBe(true)
    expect(decisions[3]?.retryAfterMs).toBeGreaterThan(0)
    // reset() reaches both stores.
    s.setFault('none')
    await limiter.reset('k')
    expect(fallback.counts.reset).toBe(1)
    expect(s.counts.reset).toBe(1)
  })

  it('a fallback that cannot run the limits is a ConfigError at construction', () => {
    const s = make()
    const narrow = { ...make().store, capabilities: { algorithms: ['gcra' as const], composite: false } }
    expect(() => createRateLimiter({ store: s.store, algorithm: limits, onStoreError: narrow })).toThrow(
      ConfigError,
    )
    expect(() => createRateLimiter({ store: s.store, algorithm: limits, onStoreError: s.store })).toThrow(
      /own store/,
    )
    expect(() =>
      createRateLimiter({ store: s.store, algorithm: limits, onStoreError: 'open' as unknown as 'allow' }),
    ).toThrow(/'deny' \(fail closed\), 'allow' \(fail open\) or a fallback store/)
  })
})

describe('onError', () => {
  it('sees every fault with its reason, and a hook that throws changes nothing', async () => {
    const s = make()
    const seen: [StoreError, StoreFault][] = []
    const limiter = createRateLimiter({
      store: s.store,
      algorithm: limits,
      onStoreError: 'allow',
      timeoutMs: 30,
      circuitBreaker: false,
      prefix: 'p',
      onError: (error, fault) => {
        seen.push([error, fault])
        throw new Error('hook bug')
      },
    })
    s.setFault('fail')
    expect((await limiter.limit('a')).allowed).toBe(true)
    s.setFault('hang')
    expect((await limiter.limit('b')).allowed).toBe(true)
    expect(
      seen.map(([e, f]) => [e.constructor.name, f.reason, f.key.endsWith('b') || f.key.endsWith('a')]),
    ).toEqual([
      ['StoreError', 'store-error', true],
      ['StoreTimeoutError', 'timeout', true],
    ])
  })
})

describe('what is not a store fault', () => {
  it('bad input is an InputError whatever the policy, and never reaches the store', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits, onStoreError: 'allow' })
    await expect(limiter.limit('')).rejects.toBeInstanceOf(InputError)
    await expect(limiter.limit('k', { cost: -1 })).rejects.toBeInstanceOf(InputError)
    expect(s.counts.apply).toBe(0)
  })

  it('a ConfigError raised by the store passes through instead of being ridden out', async () => {
    const s = make()
    const store = { ...s.store, apply: () => Promise.reject(new ConfigError('split the limiter')) }
    const limiter = createRateLimiter({ store, algorithm: limits, onStoreError: 'allow' })
    await expect(limiter.limit('k')).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('deadlines', () => {
  it('a store with its own deadline (Store.timeoutMs) gets no second one from the limiter by default', async () => {
    const s = make({ timeoutMs: 60_000 })
    const limiter = createRateLimiter({ store: s.store, algorithm: limits })
    s.setFault('hang')
    let settled = false
    limiter.limit('k').then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    await sleep(1200)
    expect(settled).toBe(false)
    // …while the limiter's own timeoutMs, when given, applies.
    const bounded = createRateLimiter({ store: s.store, algorithm: limits, timeoutMs: 40 })
    await expect(bounded.limit('k')).rejects.toBeInstanceOf(StoreTimeoutError)
  })

  it('a network store without its own deadline gets 1000 ms by default', async () => {
    const s = make()
    const limiter = createRateLimiter({ store: s.store, algorithm: limits })
    s.setFault('hang')
    const started = now()
    await expect(limiter.limit('k')).rejects.toThrow(/no answer within 1000 ms/)
    expect(now() - started).toBeGreaterThanOrEqual(990)
  })

  it('bad failure options are ConfigErrors that say what to give', () => {
    const s = make()
    const bad = [
      { timeoutMs: 0 },
      { timeoutMs: Number.NaN },
      { onError: 'log' },
      { denyCache: { maxKeys: 0 } },
      { denyCache: 'yes' },
      { circuitBreaker: { failures: 0 } },
      { circuitBreaker: { coolDownMs: -5 } },
      { circuitBreaker: true },
    ]
    for (const extra of bad) {
      expect(
        () => createRateLimiter({ store: s.store, algorithm: limits, ...(extra as object) }),
        JSON.stringify(extra),
      ).toThrow(ConfigError)
    }
  })
})

describe('an in-process store (applySync) that throws', () => {
  const throwing = () => ({
    ...make({ sync: true }).store,
    applySync: () => {
      throw new TypeError('state corrupted')
    },
  })

  it('is answered by the policy, like a network store fault', async () => {
    const d = await createRateLimiter({ store: throwing(), algorithm: limits, onStoreError: 'deny' }).limit(
      'k',
    )
    expect(d).toMatchObject({ allowed: false, degraded: { reason: 'store-error', mode: 'deny' } })
  })

  it('without a policy rejects with a StoreError carrying the cause, and onError sees it', async () => {
    const seen: StoreError[] = []
    const limiter = createRateLimiter({ store: throwing(), algorithm: limits, onError: (e) => seen.push(e) })
    const error = await limiter.limit('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreErrorClass)
    expect((error as Error).cause).toBeInstanceOf(TypeError)
    expect(seen).toEqual([error])
  })
})
