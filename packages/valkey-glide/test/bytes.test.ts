// Script arguments as Buffers: the same bytes as the strings, short numeric ones shared across calls, keys never kept.
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { argBufferCache } from '../src/bytes.ts'

describe('argBufferCache', () => {
  it('gives the UTF-8 bytes of every argument, in order', () => {
    // Well-formed strings only: a lone surrogate has no UTF-8 form (GLIDE's Buffer.from replaces it too).
    const arg = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.stringMatching(/^[0-9.,-]{0,30}$/),
      fc.integer().map(String),
    )
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 80 }), (args) => {
        const argBuffers = argBufferCache()
        // Twice: the second answer comes partly from the cache.
        argBuffers(args)
        const out = argBuffers(args)
        expect(out).toHaveLength(args.length)
        out.forEach((bytes, i) => {
          expect(Buffer.isBuffer(bytes)).toBe(true)
          expect(bytes.equals(Buffer.from(args[i] as string))).toBe(true)
        })
      }),
      { numRuns: 300 },
    )
  })

  it('shares the Buffer of a repeating number, cost, mode or plan between calls', () => {
    const args = ['', '1', '1', '1', '1000000', '1000000000', '3,7', '-1.5']
    const argBuffers = argBufferCache()
    const first = argBuffers(args)
    const second = argBuffers(args)
    expect(second).toHaveLength(args.length)
    second.forEach((bytes, i) => {
      expect(bytes).toBe(first[i])
    })
  })

  it('makes a new Buffer per call for store keys and long arguments', () => {
    const key = 'rl:{user:42}:g'
    const long = '1'.repeat(25)
    const argBuffers = argBufferCache()
    const [a1, b1] = argBuffers([key, long])
    const [a2, b2] = argBuffers([key, long])
    expect(a2).not.toBe(a1)
    expect(b2).not.toBe(b1)
    expect(a2?.toString()).toBe(key)
    expect(b2?.toString()).toBe(long)
  })

  it('stays correct past its bound: distinct numbers start the cache over', () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => String(10_000 + i))
    const argBuffers = argBufferCache()
    const out = argBuffers(numbers)
    expect(out.map(String)).toEqual(numbers)
    // The first ones were let go (the cache is bounded), the latest are still kept.
    expect(argBuffers([numbers[0] as string])[0]).not.toBe(out[0])
    const again = argBuffers(numbers.slice(-10))
    again.forEach((bytes, i) => {
      expect(bytes).toBe(out[out.length - 10 + i])
    })
  })
})
