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

  it('holds no more limits than entries under a flood of distinct limit ids (a rule per descriptor value)', async () => {
    const IDS = 5000
    let now = T0
    // A limit per entry counts 1,024 bytes more each: a budget with room for that, so maxKeys binds.
    const store = memoryStore({ maxKeys: 100, maxBytes: 1024 * 1024 })
    for (let i = 0; i < IDS; i++) {
      const limiter = createRateLimiter({
        store,
        algorithm: fixedWindow({ limit: i + 1, window: '1s' }),
        clock: () => now,
      })
      expect((await limiter.limit(`user=${i % 7}`)).remaining).toBe(i)
      if (i % 500 === 0) now += 5000
    }
    expect(store.size).toBe(100)
    expect(store.limits).toBeLessThanOrEqual(100)
    // Every entry spent: a reset of each drops it and the table it was the last entry of.
    now += 5000
    const last = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: IDS, window: '1s' }),
      clock: () => now,
    })
    await last.reset(`user=${(IDS - 1) % 7}`)
    expect(store.limits).toBeLessThanOrEqual(99)
  })

  it('keeps entries of limits with one id apart from others, whatever the key holds', async () => {
    const store = memoryStore()
    const a = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 2, window: '1m' }),
      clock: () => T0,
    })
    const b = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 3, window: '1m' }),
      clock: () => T0,
    })
    await a.limit('k\u00000')
    await b.limit('k')
    expect((await a.peek('k')).remaining).toBe(2)
    expect((await b.peek('k\u00000')).remaining).toBe(3)
    expect(store.limits).toBe(2)
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
