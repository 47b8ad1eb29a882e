// limiter.wait and throttle on a real redis-server: one quota shared by two clients, up-front timeouts, no polling.
import {
  createRateLimiter,
  gcra,
  leakyBucket,
  type RateLimiter,
  throttle,
  WaitTimeoutError,
} from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { randomPrefix, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
// Far above any wait these tests need, however loaded the machine: the outcome never depends on speed.
const PATIENT_MS = 60_000

// Two clients, as two processes of one app would have.
const clients = [redisClient(), redisClient()]

/** One limiter per client over the same prefix and limit: they share their counters in Redis. */
function limiters(algorithm: ReturnType<typeof gcra>, prefix = randomPrefix('wait')): RateLimiter[] {
  return clients.map((client) =>
    createRateLimiter({
      store: ioredisStore({ client, prefix, timeoutMs: SLOW_MACHINE_MS }),
      algorithm,
      shareCounters: true,
    }),
  )
}

describe('wait and throttle on Redis', () => {
  it('throttles calls from two clients to one shared rate, asking Redis only when a turn may be free', async () => {
    // One call per 200 ms on Redis's clock, no burst: six calls need at least 5 × 200 ms.
    const interval = 200
    const shared = limiters(gcra({ rate: 5, period: '1s', burst: 1 }))
    let tries = 0
    for (const l of shared) l.events.on('decision', () => tries++)
    const calls: string[] = []
    const callApi = (name: string) => {
      calls.push(name)
      return Promise.resolve(name.toUpperCase())
    }
    const throttled = shared.map((l) => throttle(callApi, l, { key: 'third-party', maxWaitMs: PATIENT_MS }))
    const started = performance.now()
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) => (throttled[i % 2] as typeof callApi)(name)),
    )
    const elapsed = performance.now() - started
    expect(results).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
    expect(calls.slice().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    // Each client alone would have let three through in 2 intervals; together they took 5. The
    // margin covers Redis's millisecond clock against this process's.
    expect(elapsed).toBeGreaterThanOrEqual(5 * interval - 10)
    // No polling: a waiter asks again only when its retryAfterMs is over, about once per turn that
    // passes (21 tries on an idle machine: 6 + 5 + … + 1). The bound counts the turns that passed
    // while it ran, however slowly, twice (a timer may fire a hair before the deny cache's record
    // ends, costing one more short try); polling would make hundreds.
    expect(tries).toBeLessThanOrEqual(6 * (2 + 2 * Math.ceil(elapsed / interval)))
  })

  it('rejects at once, taking nothing, when Redis says the turn comes after maxWaitMs', async () => {
    const [first, second] = limiters(gcra({ rate: 1, period: '1h', burst: 2 })) as [RateLimiter, RateLimiter]
    await first.limit('k', { cost: 2 })
    const started = performance.now()
    const error = (await second.wait('k', { maxWaitMs: 10_000 }).catch((e: unknown) => e)) as WaitTimeoutError
    expect(error).toBeInstanceOf(WaitTimeoutError)
    // An hour away (one per hour, both taken), less the time this test took on Redis's clock.
    expect(error.waitMs).toBeGreaterThan(3_600_000 - PATIENT_MS)
    expect(error.decision.allowed).toBe(false)
    // Decided from the first answer: no sleep of 10 s first.
    expect(performance.now() - started).toBeLessThan(10_000)
    expect((await first.peek('k')).remaining).toBe(0)
  })

  it('passes the time left to the Lua shaping bound: a queue turn past maxWaitMs takes no place', async () => {
    const prefix = randomPrefix('wait-shaping')
    const queue = leakyBucket({ capacity: 5, leakRate: 1, leakInterval: '1h' })
    const [first, second] = clients.map((client) =>
      createRateLimiter({
        store: ioredisStore({ client, prefix, timeoutMs: SLOW_MACHINE_MS }),
        algorithm: queue,
        shareCounters: true,
      }),
    ) as [RateLimiter, RateLimiter]
    await first.limit('k')
    await first.limit('k')
    const before = (await first.peek('k')).remaining
    // 5,000 s allowed against a turn 7,200 s away: the 2,200 s over the bound are not worth
    // sleeping, as the turn and the bound draw nearer at the same pace.
    const error = (await second
      .wait('k', { maxWaitMs: 5_000_000 })
      .catch((e: unknown) => e)) as WaitTimeoutError
    expect(error).toBeInstanceOf(WaitTimeoutError)
    // Its turn is two hours away (two ahead of it, one an hour): the whole delay is reported.
    expect(error.waitMs).toBeGreaterThan(7_200_000 - PATIENT_MS)
    expect((await first.peek('k')).remaining).toBe(before)
  })
})
