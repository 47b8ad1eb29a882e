// A limiter's clock must read epoch milliseconds; anything else is a ConfigError, never a decision.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, createRateLimiter, fixedWindow } from '../../src/index.ts'
import { testStore, wellFormed } from '../resilience/support.ts'

const algorithm = fixedWindow({ limit: 2, window: '1m' })
const MAX_EPOCH_MS = 8.64e15

describe('a clock outside epoch milliseconds', () => {
  it.each([
    ['1e300', 1e300],
    ['a negative time', -1],
    ['a fraction below 0', -0.5],
    ['past the largest Date', MAX_EPOCH_MS + 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '1767225600000'],
    ['undefined', undefined],
    ['a Date', new Date(0)],
  ])('%s is a ConfigError naming the clock, and nothing reaches the store', async (_, reading) => {
    const s = testStore()
    const limiter = createRateLimiter({ store: s.store, algorithm, clock: () => reading as number })
    const error = await limiter.limit('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(
      /^createRateLimiter: clock must return epoch milliseconds from 0 to 8640000000000000 \(as Date.now\(\) does\), got /,
    )
    await expect(limiter.peek('k')).rejects.toBeInstanceOf(ConfigError)
    expect(s.counts.apply).toBe(0)
  })

  it('a clock that throws is a ConfigError with the thrown error as its cause', async () => {
    const s = testStore()
    const broken = new RangeError('clock source unavailable')
    const limiter = createRateLimiter({
      store: s.store,
      algorithm,
      clock: () => {
        throw broken
      },
    })
    const error = await limiter.limit('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/^createRateLimiter: clock threw \(clock source unavailable\)/)
    expect((error as Error).cause).toBe(broken)
    expect(s.counts.apply).toBe(0)
  })

  it('the edges of the range, and fractions, are fine (floored)', async () => {
    for (const reading of [0, 0.9, 1_767_225_600_000.5, MAX_EPOCH_MS]) {
      const limiter = createRateLimiter({ store: testStore().store, algorithm, clock: () => reading })
      expect((await limiter.limit('k')).allowed).toBe(true)
    }
  })

  it('whatever a clock returns, a call answers a well-formed decision or a ConfigError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.double(), fc.integer()), async (reading) => {
        const s = testStore()
        const limiter = createRateLimiter({ store: s.store, algorithm, clock: () => reading as number })
        try {
          const d = await limiter.limit('k')
          expect(typeof reading === 'number' && reading >= 0 && reading < MAX_EPOCH_MS + 1).toBe(true)
          expect(wellFormed(d)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
          expect(s.counts.apply).toBe(0)
        }
      }),
      { numRuns: 500 },
    )
  })
})
