import { createRateLimiter, type Decision, leakyBucket, type ProblemDetails } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { listen } from './support/server.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/**
 * How much earlier than its delay a wait may seem to end: the test's clock and the event loop's
 * timer clock round milliseconds differently (a timer never fires before its time on its own clock).
 */
const TIMER_SLACK_MS = 5

/**
 * One request leaves every `intervalMs`; `capacity` may wait. The limiter's clock stands still, so
 * turns are exact multiples of `intervalMs` however slow the machine; the waits are real timers.
 */
function shaper(capacity: number, intervalMs: number) {
  return createRateLimiter({
    store: memoryStore(),
    algorithm: leakyBucket({ capacity, leakRate: 1, leakInterval: intervalMs, name: 'queue' }),
    clock: () => 1_700_000_000_000,
  })
}

/** What the handler saw of request `?n=`: its delay, and when it ran (ms after `go()`). */
interface Run {
  readonly delayMs: number
  readonly atMs: number
}

/** An app that records, per request `?n=`, its decision's delay and when it ran. */
async function shapedApp(options: Parameters<typeof rateLimit>[0]) {
  const ran = new Map<string, Run>()
  let start = 0
  const app = new Hono()
  app.use(rateLimit(options))
  app.get('/', (c) => {
    const delayMs = (c.get('rateLimit') as Decision).delayMs
    ran.set(c.req.query('n') ?? '', { delayMs, atMs: performance.now() - start })
    return c.json({ delayMs })
  })
  const base = await listen(app)
  return {
    base,
    ran,
    // Called before the requests are sent: the server reads them in a later turn of the event loop,
    // whose timers count from a time at or after this one.
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
    // One turn per interval; each held at least its delay (no upper bound: how late a loaded
    // machine fires a timer is not the binding's to promise).
    const runs = [...ran.values()].sort((a, b) => a.delayMs - b.delayMs)
    expect(runs.map((r) => r.delayMs)).toEqual([0, 150, 300])
    for (const r of runs) expect(r.atMs).toBeGreaterThanOrEqual(r.delayMs - TIMER_SLACK_MS)
  })

  it('a wait longer than maxDelayMs is a 429 that says so', async () => {
    const { base, ran } = await shapedApp({ limiter: shaper(5, 1000), maxDelayMs: 500 })
    expect((await fetch(`${base}/?n=0`)).status).toBe(200)
    const res = await fetch(`${base}/?n=1`)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('ratelimit')).toBe('"queue";r=5;t=1')
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
      expect(shapingTimers(setTimeoutSpy, 2000)).toHaveLength(1)
    })
    client.abort()
    await expect(waiting).rejects.toThrow()

    const [timer] = shapingTimers(setTimeoutSpy, 2000)
    await vi.waitFor(() => {
      expect(clearTimeoutSpy).toHaveBeenCalledWith(timer)
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ran.has('1')).toBe(false)
    expect(ran.size).toBe(1)
  })

  it('maxParked: a request that would wait while every place is taken is refused at once; a client that leaves gives its place back', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout')
    const { base, ran } = await shapedApp({ limiter: shaper(3, 300), maxParked: 1 })
    expect((await fetch(`${base}/?n=0`)).status).toBe(200)

    const leaving = new AbortController()
    const parked = fetch(`${base}/?n=1`, { signal: leaving.signal })
    await vi.waitFor(() => {
      expect(shapingTimers(setTimeoutSpy, 300)).toHaveLength(1)
    })

    const refused = await fetch(`${base}/?n=2`)
    expect(refused.status).toBe(429)
    // Refused without taking its place in the queue: r counts the places still free.
    expect(refused.headers.get('ratelimit')).toBe('"queue";r=2;t=1')
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.headers.get('cache-control')).toBe('no-store')
    expect(((await refused.json()) as ProblemDetails).detail).toBe(
      'This server is already holding as many requests waiting their turn as it allows (policy "queue"); retry after 1 second.',
    )

    leaving.abort()
    await expect(parked).rejects.toThrow()
    const [timer] = shapingTimers(setTimeoutSpy, 300)
    await vi.waitFor(() => {
      expect(clearTimeoutSpy).toHaveBeenCalledWith(timer)
    })
    // Its place is free: the next request waits its turn (the dropped one kept its turn in the queue).
    const next = await fetch(`${base}/?n=3`)
    expect(next.status).toBe(200)
    expect(await next.json()).toEqual({ delayMs: 600 })
    expect([...ran.keys()].sort()).toEqual(['0', '3'])
  })
})

/** The handles of timers set for a shaping wait of exactly `ms`. */
function shapingTimers(
  spy: { mock: { calls: unknown[][]; results: { value: unknown }[] } },
  ms: number,
): unknown[] {
  return spy.mock.calls.flatMap((call, i) => (call[1] === ms ? [spy.mock.results[i]?.value] : []))
}
