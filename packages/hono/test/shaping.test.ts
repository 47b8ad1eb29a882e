import { createRateLimiter, leakyBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { listen } from './support/server.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** One request leaves every `intervalMs`; `capacity` may wait. */
function shaper(capacity: number, intervalMs: number) {
  return createRateLimiter({
    store: memoryStore(),
    algorithm: leakyBucket({ capacity, leakRate: 1, leakInterval: intervalMs, name: 'queue' }),
  })
}

/** An app whose handler records when (ms after `start`) each request `?n=` ran. */
async function shapedApp(options: Parameters<typeof rateLimit>[0]) {
  const ran = new Map<string, number>()
  let start = 0
  const app = new Hono()
  app.use(rateLimit(options))
  app.get('/', (c) => {
    ran.set(c.req.query('n') ?? '', performance.now() - start)
    return c.text('ok')
  })
  const base = await listen(app)
  return {
    base,
    ran,
    go: () => {
      start = performance.now()
    },
  }
}

describe('shaping (leaky bucket)', () => {
  it('holds each request for its delayMs, then runs it', async () => {
    const { base, ran, go } = await shapedApp({ limiter: shaper(2, 150) })
    go()
    const statuses = await Promise.all(
      ['0', '1', '2'].map((n) => fetch(`${base}/?n=${n}`).then((r) => r.status)),
    )
    expect(statuses).toEqual([200, 200, 200])
    // In arrival order, each leaves one interval after the one before it (less the few ms between
    // their arrivals).
    const [first = 0, second = 0, third = 0] = [...ran.values()].sort((a, b) => a - b)
    expect(second - first).toBeGreaterThanOrEqual(120)
    expect(third - first).toBeGreaterThanOrEqual(270)
    expect(third - first).toBeLessThan(1000)
  })

  it('a wait longer than maxDelayMs is a 429 that says so', async () => {
    const { base, ran } = await shapedApp({ limiter: shaper(5, 1000), maxDelayMs: 500 })
    expect((await fetch(`${base}/?n=0`)).status).toBe(200)
    const res = await fetch(`${base}/?n=1`)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('ratelimit')).toMatch(/^"queue";r=\d+;t=1$/)
    expect(await res.json()).toMatchObject({
      detail:
        'The queue of policy "queue" is longer than this server lets a request wait; retry after 1 second.',
      'violated-policies': ['queue'],
    })
    expect(ran.has('1')).toBe(false)
  })

  it('maxDelayMs: 0 never waits', async () => {
    const { base } = await shapedApp({ limiter: shaper(5, 1000), maxDelayMs: 0 })
    expect((await fetch(base)).status).toBe(200)
    expect((await fetch(base)).status).toBe(429)
  })

  it('a client that disconnects while waiting: the handler never runs and no timer is left', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout')
    const { base, ran } = await shapedApp({ limiter: shaper(2, 2000) })
    expect((await fetch(`${base}/?n=0`)).status).toBe(200)

    const client = new AbortController()
    const waiting = fetch(`${base}/?n=1`, { signal: client.signal })
    await vi.waitFor(() => {
      expect(shapingTimers(setTimeoutSpy)).toHaveLength(1)
    })
    client.abort()
    await expect(waiting).rejects.toThrow()

    const [timer] = shapingTimers(setTimeoutSpy)
    await vi.waitFor(() => {
      expect(clearTimeoutSpy).toHaveBeenCalledWith(timer)
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ran.has('1')).toBe(false)
    expect(ran.size).toBe(1)
  })
})

/** The handles of timers set for a shaping wait (the only ones here between 1 and 2 s). */
function shapingTimers(spy: { mock: { calls: unknown[][]; results: { value: unknown }[] } }): unknown[] {
  return spy.mock.calls.flatMap((call, i) => {
    const ms = call[1]
    return typeof ms === 'number' && ms > 1000 && ms <= 2000 ? [spy.mock.results[i]?.value] : []
  })
}
