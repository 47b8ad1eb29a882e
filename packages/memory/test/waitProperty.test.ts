// limiter.wait against what peek says, on random histories of every non-shaping algorithm (memory store, fake time).
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  slidingLog,
  slidingWindow,
  tokenBucket,
  WaitTimeoutError,
} from '@sluice/core'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStore } from '../src/index.ts'

const T0 = 1_700_000_000_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
})

afterEach(() => {
  vi.useRealTimers()
})

/** Limits that admit 5 at once and take seconds to earn them back, so histories reach denials. */
const LIMITS: readonly (() => Algorithm)[] = [
  () => fixedWindow({ limit: 5, window: '4s' }),
  () => slidingLog({ limit: 5, window: '4s' }),
  () => slidingWindow({ limit: 5, window: '4s' }),
  () => tokenBucket({ capacity: 5, refillRate: 2, refillInterval: '1500ms' }),
  () => gcra({ rate: 3, period: '2s', burst: 5 }),
]

const history = fc.array(
  fc.record({ afterMs: fc.integer({ min: 0, max: 1500 }), cost: fc.integer({ min: 1, max: 3 }) }),
  {
    maxLength: 8,
  },
)

describe('wait agrees with peek', () => {
  it('admits after the peeked retryAfterMs when that is within maxWaitMs, else rejects at once taking nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: LIMITS.length - 1 }),
        history,
        fc.integer({ min: 0, max: 8000 }),
        fc.integer({ min: 1, max: 3 }),
        async (which, takes, maxWaitMs, cost) => {
          vi.setSystemTime(T0)
          const limiter = createRateLimiter({
            store: memoryStore(),
            algorithm: (LIMITS[which] as () => Algorithm)(),
            clock: () => Date.now(),
            shareCounters: true,
          })
          for (const take of takes) {
            vi.setSystemTime(Date.now() + take.afterMs)
            await limiter.limit('k', { cost: take.cost })
          }
          const peeked = await limiter.peek('k', { cost })
          const expectedMs = peeked.allowed ? 0 : peeked.retryAfterMs
          const start = Date.now()
          let admittedAt: number | undefined
          const outcome = limiter.wait('k', { maxWaitMs, cost }).then(
            (d) => {
              admittedAt = Date.now()
              return d
            },
            (e: unknown) => e,
          )
          await vi.advanceTimersByTimeAsync(0)
          if (expectedMs > maxWaitMs) {
            // Decided from the first answer: no time passed, nothing taken.
            const error = (await outcome) as WaitTimeoutError
            expect(error).toBeInstanceOf(WaitTimeoutError)
            expect(error.waitMs).toBe(expectedMs)
            expect(Date.now()).toBe(start)
            expect((await limiter.peek('k')).remaining).toBe(peeked.remaining)
          } else {
            await vi.advanceTimersByTimeAsync(maxWaitMs)
            const decision = await outcome
            expect(decision).toMatchObject({ allowed: true })
            // Admitted exactly when peek said: retryAfterMs is exact, and wait sleeps just that.
            expect(admittedAt).toBe(start + expectedMs)
          }
          expect(vi.getTimerCount()).toBe(0)
        },
      ),
      { numRuns: 150 },
    )
  })
})
