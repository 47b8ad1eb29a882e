/// <reference types="node" />
import { createRateLimiter, fixedWindow, gcra } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000

describe('memoryStore bounds its memory', () => {
  it('drops spent entries before it evicts a live one', async () => {
    let now = T0
    const store = memoryStore({ maxKeys: 10 })
    const short = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 5, window: '1s' }),
      clock: () => now,
    })
    const long = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 5, window: '1d' }),
      clock: () => now,
    })
    for (let i = 0; i < 5; i++) await long.limit(`live-${i}`)
    for (let i = 0; i < 5; i++) await short.limit(`spent-${i}`)
    expect(store.size).toBe(10)
    now += 2000 // the 1 s windows are over; the 1 d ones are not
    for (let i = 0; i < 5; i++) await short.limit(`new-${i}`)
    expect(store.evictions).toBe(0)
    for (let i = 0; i < 5; i++) expect((await long.peek(`live-${i}`)).remaining).toBe(4)
  })

  it('evicts the least recently used live entry only past maxKeys, and counts it', async () => {
    const store = memoryStore({ maxKeys: 3 })
    const limiter = createRateLimiter({ store, algorithm: gcra({ rate: 1, period: '1h' }), clock: () => T0 })
    for (const key of ['a', 'b', 'c']) await limiter.limit(key)
    await limiter.limit('a') // a is now the most recently used
    await limiter.limit('d')
    expect(store.size).toBe(3)
    expect(store.evictions).toBe(1)
    expect((await limiter.peek('b')).remaining).toBe(1) // b was evicted: it looks fresh again
    expect((await limiter.peek('a', { cost: 1 })).allowed).toBe(false)
  })

  it('stays within maxKeys under a flood of distinct keys', async () => {
    const store = memoryStore({ maxKeys: 1000 })
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 10, window: '1m' }),
      clock: () => T0,
    })
    for (let i = 0; i < 50_000; i++) await limiter.limit(`flood-${i}`)
    expect(store.size).toBe(1000)
    expect(store.evictions).toBe(49_000)
  })

  it('keeps time by the request clock: a simulated clock far from real time expires nothing early', async () => {
    let now = 0
    const store = memoryStore()
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: '1s' }),
      clock: () => now,
    })
    await limiter.limit('k')
    await new Promise((r) => setTimeout(r, 20))
    expect((await limiter.limit('k')).allowed).toBe(false)
    now = 1000
    expect((await limiter.limit('k')).allowed).toBe(true)
  })

  it('rejects a bad maxKeys with a ConfigError', () => {
    for (const maxKeys of [0, -1, 1.5, Number.NaN]) {
      expect(() => memoryStore({ maxKeys })).toThrow(/memoryStore: maxKeys must be a positive integer/)
    }
  })
})
