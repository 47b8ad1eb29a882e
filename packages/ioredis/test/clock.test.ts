import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { referenceStore } from '@sluice/store-conformance'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { randomPrefix, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

const client = redisClient()
const HOUR = 3_600_000
afterEach(() => {
  vi.restoreAllMocks()
})

/** Quotas of 4 that refill over a day, so the real time a test takes cannot change a decision. */
const dayLimits: Record<string, Algorithm> = {
  fixedWindow: fixedWindow({ limit: 4, window: '1d' }),
  slidingLog: slidingLog({ limit: 4, window: '1d' }),
  slidingWindow: slidingWindow({ limit: 4, window: '1d' }),
  tokenBucket: tokenBucket({ capacity: 4, refillRate: 1, refillInterval: '1d' }),
  gcra: gcra({ rate: 4, period: '1d' }),
  leakyBucket: leakyBucket({ capacity: 3, leakRate: 1, leakInterval: '6h' }),
}

/** Six calls on one key, alternating between an accurate process and one whose clock is `skewMs` off. */
async function alternate(
  algorithm: Algorithm,
  clock: 'server' | 'client',
  skewMs: number,
): Promise<Decision[]> {
  const prefix = randomPrefix('skew')
  const accurate = createRateLimiter({
    store: ioredisStore({ client, prefix, clock, timeoutMs: SLOW_MACHINE_MS }),
    algorithm,
  })
  const skewed = createRateLimiter({
    store: ioredisStore({ client, prefix, clock, timeoutMs: SLOW_MACHINE_MS }),
    algorithm,
  })
  const realNow = Date.now.bind(Date)
  const decisions: Decision[] = []
  for (let i = 0; i < 6; i++) {
    if (i % 2 === 0) {
      decisions.push(await accurate.limit('k'))
      continue
    }
    // Only this process's clock is off, only during its call.
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs)
    try {
      decisions.push(await skewed.limit('k'))
    } finally {
      spy.mockRestore()
    }
  }
  return decisions
}

const shape = (d: Decision) => ({ allowed: d.allowed, remaining: d.remaining, limit: d.limit })

describe("clock 'server': app servers' clocks do not matter", () => {
  for (const [kind, algorithm] of Object.entries(dayLimits)) {
    it(`${kind}: a process an hour ahead gets the decisions of an accurate one`, async () => {
      const inSync = await alternate(algorithm, 'server', 0)
      const skewed = await alternate(algorithm, 'server', HOUR)
      expect(skewed.map(shape)).toStrictEqual(inSync.map(shape))
      expect(skewed.map((d) => d.allowed)).toStrictEqual([true, true, true, true, false, false])
      skewed.forEach((d, i) => {
        // Within the real time the test took; an hour off if the skewed clock had been used.
        expect(Math.abs(d.resetAfterMs - (inSync[i] as Decision).resetAfterMs)).toBeLessThan(5000)
        expect(Math.abs(d.retryAfterMs - (inSync[i] as Decision).retryAfterMs)).toBeLessThan(5000)
      })
    })
  }

  it("whereas with clock 'client' the skewed process's clock leaks into every process's decisions", async () => {
    const decisions = await alternate(fixedWindow({ limit: 4, window: '1h' }), 'client', HOUR)
    // The first call counts in this hour's window; the skewed process then opens the next hour's,
    // which every process shares from then on (a window never moves backwards): 5 admitted, not
    // 4, and the accurate process is judged at that window's start: its quota resets a full hour
    // from then, an hour later than its own clock says.
    expect(decisions.map((d) => d.allowed)).toStrictEqual([true, true, true, true, true, false])
    expect((decisions[4] as Decision).resetAfterMs).toBe(HOUR)
  })
})

describe('sub-second windows (250 ms) on the controlled clock', () => {
  const EPOCH = 1_700_000_000_000
  const quarter: Record<string, Algorithm> = {
    fixedWindow: fixedWindow({ limit: 3, window: '250ms' }),
    slidingLog: slidingLog({ limit: 3, window: '250ms' }),
    slidingWindow: slidingWindow({ limit: 3, window: '250ms' }),
    tokenBucket: tokenBucket({ capacity: 3, refillRate: 3, refillInterval: '250ms' }),
    gcra: gcra({ rate: 3, period: '250ms' }),
    leakyBucket: leakyBucket({ capacity: 2, leakRate: 3, leakInterval: '250ms' }),
  }

  // Windows of 3 four times a second; the buckets start with 3 and refill 12 per second (11 more
  // by t = 994); the sliding counter also weighs the previous window.
  const admittedPerSecond: Record<string, number> = {
    fixedWindow: 12,
    slidingLog: 12,
    slidingWindow: 9,
    tokenBucket: 14,
    gcra: 14,
    leakyBucket: 14,
  }

  for (const [kind, algorithm] of Object.entries(quarter)) {
    it(`${kind}: every decision over a second of calls 7 ms apart matches core`, async () => {
      let now = EPOCH
      const clock = () => now
      const actual = createRateLimiter({
        store: ioredisStore({ client, prefix: randomPrefix('subsecond'), timeoutMs: SLOW_MACHINE_MS }),
        algorithm,
        clock,
      })
      const expected = createRateLimiter({ store: referenceStore(), algorithm, clock })
      let admitted = 0
      for (let t = 0; t < 1000; t += 7) {
        now = EPOCH + t
        const got = await actual.limit('k')
        expect(got, `t = ${t}`).toStrictEqual(await expected.limit('k'))
        if (got.allowed) admitted++
      }
      expect(admitted).toBe(admittedPerSecond[kind])
    })
  }

  it('fixedWindow and slidingLog turn over exactly at 250 ms, not a millisecond early', async () => {
    for (const algorithm of [quarter.fixedWindow, quarter.slidingLog] as Algorithm[]) {
      let now = EPOCH
      const limiter = createRateLimiter({
        store: ioredisStore({ client, prefix: randomPrefix('subsecond'), timeoutMs: SLOW_MACHINE_MS }),
        algorithm,
        clock: () => now,
      })
      for (let i = 0; i < 3; i++) expect((await limiter.limit('k')).allowed).toBe(true)
      now = EPOCH + 249
      expect(await limiter.limit('k')).toMatchObject({ allowed: false, retryAfterMs: 1 })
      now = EPOCH + 250
      expect(await limiter.limit('k')).toMatchObject({ allowed: true, remaining: 2 })
    }
  })
})
