// hybridStore's options and pairing: every mistake is a ConfigError saying what to pass.
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  tokenBucket,
} from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { describe, expect, it } from 'vitest'
import { type HybridStoreOptions, hybridStore } from '../src/index.ts'

const good = { store: memoryStore(), instances: 3, syncIntervalMs: 100 }
const bad = (options: unknown) => () => hybridStore(options as HybridStoreOptions)

describe('hybridStore options', () => {
  it.each([
    [{ ...good, store: undefined }, /store must be a sluice store/],
    [{ ...good, store: {} }, /store must be a sluice store/],
    [{ ...good, instances: 0 }, /instances must be a positive integer/],
    [{ ...good, instances: 2.5 }, /instances must be a positive integer/],
    [{ ...good, syncIntervalMs: 0 }, /syncIntervalMs must be a whole number of milliseconds greater than 0/],
    [{ ...good, syncIntervalMs: 'soon' }, /syncIntervalMs must be a number of milliseconds or a string/],
    [{ ...good, syncEvery: 0 }, /syncEvery must be a positive integer/],
    [{ ...good, clock: 5 }, /clock must be a function/],
    [{ ...good, timer: 'yes' }, /timer must be true or false/],
    [{ ...good, syncInterval: 100 }, /syncIntervalMs/],
    [null, /takes an options object/],
  ])('refuses %o', (options, message) => {
    expect(bad(options)).toThrow(ConfigError)
    expect(bad(options)).toThrow(message)
  })

  it('takes durations as strings', () => {
    expect(hybridStore({ ...good, syncIntervalMs: '1s', syncEvery: 10 }).name).toBe('hybrid(memory)')
  })

  it.each([
    slidingLog({ limit: 5, window: '1s' }),
    gcra({ rate: 5, period: '1s' }),
    leakyBucket({ capacity: 5, leakRate: 1 }),
  ])('refuses a limiter of $kind at construction', (algorithm) => {
    expect(() => createRateLimiter({ store: hybridStore(good), algorithm })).toThrow(ConfigError)
    expect(() => createRateLimiter({ store: hybridStore(good), algorithm })).toThrow(
      /cannot run \w+ \(a local share cannot serve it exactly: .+\); it supports fixedWindow, slidingWindow, tokenBucket/,
    )
  })

  it('serves fixed window, sliding window counter and token bucket limiters', () => {
    const store = hybridStore(good)
    expect(store.capabilities).toEqual({
      algorithms: ['fixedWindow', 'slidingWindow', 'tokenBucket'],
      composite: true,
      unsupported: expect.any(Object),
    })
    expect(() =>
      createRateLimiter({
        store,
        algorithm: [fixedWindow({ limit: 5, window: '1s' }), tokenBucket({ capacity: 5, refillRate: 1 })],
      }),
    ).not.toThrow()
  })
})
