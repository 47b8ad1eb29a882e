// explainDecision: one line per decision that states the algorithm's reasoning with the decision's numbers.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Algorithm,
  concurrency,
  createRateLimiter,
  type DecisionEvent,
  explainDecision,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const T0 = Date.UTC(2025, 0, 1, 12)

/** The explanations of calls at the given offsets (and costs) on a fresh key. */
async function explain(
  algorithm: Algorithm,
  calls: readonly (readonly [number, number?])[],
): Promise<string[]> {
  const { store } = testStore({ sync: true })
  let now = T0
  const limiter = createRateLimiter({ store, algorithm, clock: () => now, exposeKey: true })
  const lines: string[] = []
  limiter.events.on('decision', (e) => lines.push(explainDecision(e)))
  for (const [at, cost] of calls) {
    now = T0 + at
    await limiter.limit('user:42', cost === undefined ? undefined : { cost })
  }
  return lines
}

describe('explainDecision', () => {
  it('fixed window: the window, the count against the limit, and when it resets', async () => {
    const lines = await explain(fixedWindow({ limit: 3, window: 1000 }), [[0], [100], [200], [300]])
    expect(lines[0]).toBe(
      'fixed window user:42: window 12:00:00.000–12:00:01.000, count 0/3, cost 1 → allowed, 2 left, resets in 1 s',
    )
    expect(lines[3]).toBe(
      'fixed window user:42: window 12:00:00.000–12:00:01.000, count 3/3, cost 1 → denied, resets in 700 ms',
    )
  })

  it('token bucket: tokens before and after, the refill rate, and when it is full or has enough', async () => {
    const lines = await explain(tokenBucket({ capacity: 10, refillRate: 1 }), [[0, 8], [1200], [1200, 5]])
    expect(lines[0]).toBe(
      'token bucket user:42: 10 tokens (refill 1 per 1 s), cost 8 → allowed, 2 left, full in 8 s',
    )
    expect(lines[1]).toBe(
      'token bucket user:42: 3.2 tokens (refill 1 per 1 s), cost 1 → allowed, 2.2 left, full in 7.8 s',
    )
    expect(lines[2]).toBe(
      'token bucket user:42: 2.2 tokens (refill 1 per 1 s), cost 5 → denied, enough in 2.8 s',
    )
  })

  it('leaky bucket: how many wait ahead and when the request starts', async () => {
    const lines = await explain(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }), [
      [0],
      [0],
      [0],
      [0],
    ])
    expect(lines[1]).toContain('1 ahead, cost 1 → allowed, starts in 1 s')
    expect(lines[2]).toContain('2 ahead, cost 1 → allowed, starts in 2 s')
    expect(lines[3]).toContain('the queue is full, cost 1 → denied, room in 1 s')
  })

  it('GCRA, sliding log and sliding window state their own terms', async () => {
    expect((await explain(gcra({ rate: 30, period: '1m', burst: 16 }), [[0]]))[0]).toBe(
      'GCRA user:42: one per 2 s, burst 16; cost 1 → allowed, 15 left, schedule 2 s ahead',
    )
    expect((await explain(slidingLog({ limit: 2, window: 1000 }), [[0], [10], [20]]))[2]).toBe(
      'sliding log user:42: 2/2 admitted in the last 1 s, cost 1 → denied, room in 980 ms (when the oldest leaves the window)',
    )
    expect((await explain(concurrency({ limit: 2, leaseMs: 1000 }), [[0], [100], [200]]))[2]).toBe(
      'concurrency user:42: 2/2 leases held (leases expire 1 s after they are taken unless released), cost 1 → denied, a slot frees in 800 ms at the latest (sooner if a holder releases)',
    )
    expect((await explain(slidingWindow({ limit: 4, window: 1000 }), [[0], [0], [1250]]))[2]).toBe(
      'sliding window user:42: previous window × 75% + current ≈ 2/4, cost 1 → allowed, 1 left',
    )
  })

  it('for any algorithm and traffic, the line names the outcome the decision has, and the deciding limit', async () => {
    const algorithms = [
      fixedWindow({ limit: 3, window: 1000 }),
      slidingLog({ limit: 3, window: 1000 }),
      slidingWindow({ limit: 3, window: 1000 }),
      tokenBucket({ capacity: 3, refillRate: 3 }),
      gcra({ rate: 3, period: 1000 }),
      leakyBucket({ capacity: 2, leakRate: 3 }),
    ]
    const labels = ['fixed window', 'sliding log', 'sliding window', 'token bucket', 'GCRA', 'leaky bucket']
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 3 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (which, steps) => {
          const { store } = testStore({ sync: true })
          let now = T0
          const limiter = createRateLimiter({
            store,
            algorithm: algorithms[which] as Algorithm,
            clock: () => now,
          })
          const events: DecisionEvent[] = []
          limiter.events.on('decision', (e) => events.push(e))
          for (const [gap, cost] of steps) {
            now += gap
            await limiter.limit('k', { cost })
          }
          for (const e of events) {
            const line = explainDecision(e)
            expect(line.startsWith(`${labels[which]}: `)).toBe(true)
            expect(line).toContain(e.allowed ? '→ allowed' : '→ denied')
            expect(line).toContain(`cost ${e.cost}`)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
