/// <reference types="node" />
// memoryStore's byte budget: long keys and long states cannot grow it past maxBytes.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type Algorithm, fixedWindow, gcra, InputError, type Store, slidingLog } from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000
const KiB = 1024
const MiB = 1024 * KiB

/**
 * A key of `length` characters in a string of its own (a flat copy, as a key read from a request
 * body is): a key built by concatenation could share its characters with others.
 */
function ownKey(i: number, length: number, char = 'x'): string {
  const head = `${i}:`
  return Buffer.from(head + char.repeat(length - head.length)).toString()
}

const consume = (store: Store, key: string, limit: Algorithm, now = T0) =>
  store.applySync?.({ key, limits: [limit], cost: 1, consume: true, now })[0]

describe('memoryStore bounds its memory in bytes (maxBytes)', () => {
  it('keeps 8 kB keys within the budget by its own count, evicting the least recently used', () => {
    const maxBytes = MiB
    const store = memoryStore({ maxBytes })
    const limit = gcra({ rate: 2, period: '1h' })
    let most = 0
    for (let i = 0; i < 500; i++) {
      expect(consume(store, ownKey(i, 8192), limit)?.allowed).toBe(true)
      most = Math.max(most, store.bytes)
    }
    expect(most).toBeLessThanOrEqual(maxBytes)
    // Each entry counts 256 + 2 × 8192 bytes, the limit's table 1,024: 62 fit in 1 MiB.
    expect(store.size).toBe(Math.floor((maxBytes - 1024) / (256 + 2 * 8192)))
    expect(store.evictions).toBe(500 - store.size)
    // The most recent keys are the ones held, their counts intact; the oldest start afresh.
    expect(consume(store, ownKey(499, 8192), limit)?.allowed).toBe(true)
    expect(consume(store, ownKey(499, 8192), limit)?.allowed).toBe(false)
    expect(
      store.applySync?.({ key: ownKey(0, 8192), limits: [limit], cost: 2, consume: false, now: T0 })[0]
        ?.allowed,
    ).toBe(true)
  })

  it('keeps the real heap within the budget: 2,000 keys of 8 kB grow it by no more than maxBytes + slack', () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const heap = () => {
      gc()
      gc()
      const { heapUsed, arrayBuffers } = process.memoryUsage()
      return heapUsed + arrayBuffers
    }
    const maxBytes = 4 * MiB
    const before = heap()
    const store = memoryStore({ maxBytes })
    const limit = fixedWindow({ limit: 5, window: '1h' })
    // Latin-1 keys take 1 byte a character in V8, others 2: half of each, 24 MB in all.
    for (let i = 0; i < 2000; i++) consume(store, ownKey(i, 8000, i % 2 === 0 ? 'x' : 'ж'), limit)
    const grown = heap() - before
    console.info(
      `[bytes] 2,000 keys of 8,000 characters into maxBytes ${maxBytes}: held ${store.size}, counted ${store.bytes} bytes, heap grew ${grown} bytes`,
    )
    expect(store.bytes).toBeLessThanOrEqual(maxBytes)
    // Generous slack for V8 and the test runner; without the budget the heap grows by ~24 MB.
    expect(grown).toBeLessThan(maxBytes + 2 * MiB)
    expect(store.size).toBeGreaterThan(100)
  })

  it('drops spent entries before it evicts a live one at the byte budget', () => {
    let now = T0
    // 4,000-character keys count 8,256 bytes; two tables 2,048: seven entries fit in 64 KiB.
    const store = memoryStore({ maxBytes: 64 * KiB })
    const short = fixedWindow({ limit: 5, window: '1s' })
    const long = fixedWindow({ limit: 5, window: '1d' })
    for (let i = 0; i < 3; i++) consume(store, ownKey(i, 4000, 's'), short, now)
    for (let i = 0; i < 4; i++) consume(store, ownKey(i, 4000, 'l'), long, now)
    expect(store.size).toBe(7)
    now += 2000 // the 1 s windows are over; the 1 d ones are not
    for (let i = 4; i < 7; i++) consume(store, ownKey(i, 4000, 'l'), long, now)
    expect(store.evictions).toBe(0)
    expect(store.size).toBe(7)
    expect(store.limits).toBe(1)
    // Full with live entries: the next one evicts the least recently used (key 0 after a touch of 1-3).
    for (let i = 1; i < 4; i++) consume(store, ownKey(i, 4000, 'l'), long, now)
    consume(store, ownKey(7, 4000, 'l'), long, now)
    expect(store.evictions).toBe(1)
    expect(store.size).toBe(7)
    const remaining = (i: number) =>
      store.applySync?.({ key: ownKey(i, 4000, 'l'), limits: [long], cost: 0, consume: false, now })[0]
        ?.remaining
    expect(remaining(0)).toBe(5) // evicted: fresh again
    expect([1, 2, 3].map(remaining)).toEqual([3, 3, 3])
    expect(store.bytes).toBeLessThanOrEqual(64 * KiB)
  })

  it('counts a growing sliding log and evicts others when it outgrows the budget', () => {
    const maxBytes = 64 * KiB
    const store = memoryStore({ maxBytes })
    const log = slidingLog({ limit: 100_000, window: '1d' })
    const other = gcra({ rate: 10, period: '1h' })
    for (let i = 0; i < 20; i++) consume(store, `other-${i}`, other)
    const start = store.bytes
    consume(store, 'log', log)
    consume(store, 'log', log)
    // Past three numbers a log counts 128 bytes plus 8 per number.
    let t = T0
    consume(store, 'log', log, ++t)
    consume(store, 'log', log, ++t)
    expect(store.bytes - start).toBe(1024 + 256 + 2 * 3 + 128 + 8 * 4)
    let most = 0
    // 8,004 numbers: the log alone comes to 65,446 bytes, so nothing else fits beside it.
    for (let i = 0; i < 8000; i++) {
      expect(consume(store, 'log', log, ++t)?.allowed).toBe(true)
      most = Math.max(most, store.bytes)
    }
    expect(most).toBeLessThanOrEqual(maxBytes)
    // The log (most recently used) is held with all its requests; the others went.
    expect(store.size).toBe(1)
    expect(store.evictions).toBe(20)
    expect(
      store.applySync?.({ key: 'log', limits: [log], cost: 0, consume: false, now: t })[0]?.remaining,
    ).toBe(100_000 - 8004)
  })

  it('comes back to 0 bytes when every entry is reset, whatever the mix of limits and states', async () => {
    const store = memoryStore({ maxBytes: 256 * KiB })
    const limits = [
      gcra({ rate: 5, period: '1h' }),
      slidingLog({ limit: 50, window: '1h' }),
      fixedWindow({ limit: 9, window: '1h' }),
    ]
    // Five calls in a row per key (its sliding log outgrows three numbers), then the next key:
    // later keys evict earlier ones.
    const keyOf = (i: number) => ownKey(i, 100 + (i % 7) * 300)
    let t = T0
    for (let i = 0; i < 200; i++) {
      store.applySync?.({ key: keyOf(Math.floor(i / 5)), limits, cost: 1, consume: true, now: ++t })
      expect(store.bytes).toBeLessThanOrEqual(256 * KiB)
    }
    expect(store.bytes).toBeGreaterThan(0)
    expect(store.evictions).toBeGreaterThan(0)
    for (let i = 0; i < 40; i++) await store.reset(keyOf(i), limits)
    expect(store.size).toBe(0)
    expect(store.limits).toBe(0)
    expect(store.bytes).toBe(0)
  })

  it('keeps its count exact on random traffic: within maxBytes after every call, 0 once all is reset', async () => {
    const limits = [
      gcra({ rate: 3, period: 100 }),
      slidingLog({ limit: 12, window: 200 }),
      fixedWindow({ limit: 4, window: 50 }),
    ]
    const op = fc.record({
      key: fc.integer({ min: 0, max: 7 }),
      limits: fc.subarray([0, 1, 2], { minLength: 1 }),
      cost: fc.integer({ min: 0, max: 3 }),
      consume: fc.boolean(),
      reset: fc.boolean(),
      advance: fc.integer({ min: 0, max: 20 }),
    })
    // Key i is 3 + i × 999 characters long: eight keys under three limits overfill 128 KiB.
    const keyOf = (i: number) => ownKey(i, 3 + i * 999)
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
        const store = memoryStore({ maxBytes: 128 * KiB })
        let now = T0
        for (const o of ops) {
          now += o.advance
          const chosen = o.limits.map((i) => limits[i] as Algorithm)
          if (o.reset) await store.reset(keyOf(o.key), chosen)
          else store.applySync?.({ key: keyOf(o.key), limits: chosen, cost: o.cost, consume: o.consume, now })
          expect(store.bytes).toBeLessThanOrEqual(128 * KiB)
          expect(store.bytes >= 0 && store.size >= 0 && store.limits <= store.size).toBe(true)
        }
        for (let i = 0; i <= 7; i++) await store.reset(keyOf(i), limits)
        expect([store.size, store.limits, store.bytes]).toEqual([0, 0, 0])
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a key too long to fit with an InputError, before anything is written', async () => {
    const store = memoryStore({ maxBytes: 64 * KiB })
    const limit = fixedWindow({ limit: 5, window: '1h' })
    const key = 'k'.repeat(40_000)
    const request = { key, limits: [limit], cost: 1, consume: true, now: T0 }
    expect(() => store.applySync?.(request)).toThrow(InputError)
    expect(() => store.applySync?.({ ...request, limits: [limit, gcra({ rate: 1, period: 1000 })] })).toThrow(
      /a key of 40000 characters does not fit in maxBytes 65536 \(the longest that does is 32128\); hash long keys/,
    )
    await expect(store.apply(request)).rejects.toThrow(InputError)
    expect(store.size).toBe(0)
    expect(store.bytes).toBe(0)
    expect(store.applySync?.({ ...request, key: 'k'.repeat(32_128) })[0]?.allowed).toBe(true)
  })

  it('sizes its default budget by maxKeys: 672 bytes a key, at least 64 KiB', () => {
    const limit = fixedWindow({ limit: 5, window: '1h' })
    const refusal = (store: Store, length: number) => {
      try {
        store.applySync?.({ key: 'k'.repeat(length), limits: [limit], cost: 1, consume: true, now: T0 })
        return undefined
      } catch (error) {
        return (error as Error).message
      }
    }
    // The longest key that fits is (maxBytes − 256 − 1,024) / 2 characters.
    const sized = memoryStore({ maxKeys: 1000 })
    expect(refusal(sized, (672_000 - 1280) / 2)).toBeUndefined()
    expect(refusal(sized, (672_000 - 1280) / 2 + 1)).toMatch(/does not fit in maxBytes 672000/)
    expect(refusal(memoryStore({ maxKeys: 10 }), 40_000)).toMatch(/does not fit in maxBytes 65536/)
    expect(refusal(memoryStore(), 40_000)).toBeUndefined()
  })

  it('leaves maxKeys in force: short keys reach maxKeys long before the default byte budget', () => {
    const store = memoryStore({ maxKeys: 1000 })
    const limit = gcra({ rate: 1, period: '1h' })
    for (let i = 0; i < 3000; i++) consume(store, `user:${i}`, limit)
    expect(store.size).toBe(1000)
    expect(store.evictions).toBe(2000)
    // user:2000 to user:2999 are held: 256 bytes each plus 2 per character, and one table.
    expect(store.bytes).toBe(1024 + 1000 * (256 + 2 * 'user:2000'.length))
  })
})
