// The memory store's own LRU: past maxKeys it evicts exactly the least recently used entry.
import { createRateLimiter, fixedWindow } from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000
const MAX_KEYS = 4
const LIMIT = 1000

const opArb = fc.record({
  /** 0: limit() (marks the key used), 1: peek() (does not), 2: reset(). */
  how: fc.integer({ min: 0, max: 2 }),
  key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
})

describe('memoryStore LRU order', () => {
  it('holds what a reference LRU (a Map re-inserted on use) holds, on random traces', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 30, maxLength: 80 }), async (ops) => {
        const store = memoryStore({ maxKeys: MAX_KEYS })
        // A window far longer than the test: no entry is ever spent, so only the LRU order evicts.
        const limiter = createRateLimiter({
          store,
          algorithm: fixedWindow({ limit: LIMIT, window: '1d' }),
          clock: () => T0,
        })
        const reference = new Map<string, number>()
        let evictions = 0
        for (const { how, key } of ops) {
          if (how === 0) {
            const used = reference.get(key) ?? 0
            reference.delete(key)
            reference.set(key, used + 1)
            if (reference.size > MAX_KEYS) {
              reference.delete(reference.keys().next().value as string)
              evictions++
            }
            expect((await limiter.limit(key)).remaining).toBe(LIMIT - used - 1)
          } else if (how === 1) {
            expect((await limiter.peek(key)).remaining).toBe(LIMIT - (reference.get(key) ?? 0))
          } else {
            reference.delete(key)
            await limiter.reset(key)
          }
          expect(store.size).toBe(reference.size)
          expect(store.evictions).toBe(evictions)
        }
      }),
      { numRuns: 300 },
    )
  })
})
