// Shaping over real HTTP: waits, the wait bound, disconnects and the maxParked bound.
import { type Decision, leakyBucket, type ProblemDetails } from '@sluice/core'
import { expect, it, vi } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './servers.ts'

/**
 * How much earlier than its delay a wait may seem to end: the test's clock and the event loop's
 * timer clock round milliseconds differently (a timer never fires before its time on its own clock).
 */
const TIMER_SLACK_MS = 5

/** Shaping (leaky bucket) over real HTTP: waits, the wait bound, disconnects and maxParked. */
export function shapingCases(h: Harness, full: boolean): void {
  const { app, limiterOf } = h
  it('shaping: requests wait their turn; a wait over maxDelayMs is refused', async () => {
    // One request leaves every 200 ms and two may wait; the limiter's clock stands still, so the
    // delays are exact (0, 200, 400) while the waits are real.
    const shaper = () => limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 200, name: 'q' }))
    const { url } = await app([rateLimit({ limiter: shaper() })])
    const started = Date.now()
    const timed = async () => {
      const res = await fetch(url)
      const body = res.status === 200 ? ((await res.json()) as { rateLimit: Decision }) : undefined
      return { status: res.status, ms: Date.now() - started, delayMs: body?.rateLimit.delayMs }
    }
    const results = await Promise.all([timed(), timed(), timed(), timed()])
    const ok = results.filter((r) => r.status === 200).sort((a, b) => a.ms - b.ms)
    expect(results.filter((r) => r.status === 429)).toHaveLength(1)
    expect(ok.map((r) => r.delayMs)).toEqual([0, 200, 400])
    // Held at least their delays (less a timer's few ms of slack); no upper bound on a loaded machine.
    expect(ok[1]?.ms).toBeGreaterThanOrEqual(200 - TIMER_SLACK_MS)
    expect(ok[2]?.ms).toBeGreaterThanOrEqual(400 - TIMER_SLACK_MS)

    const capped = (await app([rateLimit({ limiter: shaper(), maxDelayMs: 100 })])).url
    expect((await fetch(capped)).status).toBe(200)
    const refused = await fetch(capped)
    expect(refused.status).toBe(429)
    expect(headersOf(refused, 'ratelimit', 'retry-after')).toEqual({
      ratelimit: '"q";r=2;t=1', // refused for its wait: it took nothing from the queue
      'retry-after': '1',
    })
    expect(((await refused.json()) as ProblemDetails).detail).toMatch(
      /^The queue of policy "q" is longer than/,
    )
  })

  if (!full) return

  it('a client that disconnects while waiting is dropped: no handler, no timer left', async () => {
    const limiter = limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 600 }))
    const { url, handled } = await app([rateLimit({ limiter })])
    expect((await fetch(url)).status).toBe(200)
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
    try {
      const controller = new AbortController()
      const started = Date.now()
      const pending = fetch(url, { signal: controller.signal })
      // The shaping wait: exactly 600 ms, since the limiter's clock stands still.
      const waitCall = () => setTimer.mock.calls.findIndex(([, ms]) => ms === 600)
      await vi.waitFor(() => expect(waitCall()).toBeGreaterThanOrEqual(0))
      controller.abort()
      await expect(pending).rejects.toThrow()
      const timer = setTimer.mock.results[waitCall()]?.value as NodeJS.Timeout
      await vi.waitFor(() => expect(clearTimer).toHaveBeenCalledWith(timer))
      expect((timer as unknown as { _destroyed: boolean })._destroyed).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 700 - (Date.now() - started))))
      expect(handled()).toBe(1)
    } finally {
      setTimer.mockRestore()
      clearTimer.mockRestore()
    }
  })

  it('maxParked: a request that would wait while every place is taken is refused at once; a client that leaves gives its place back', async () => {
    // The limiter's clock stands still: turns are exactly 0, 300 and 600 ms away.
    const limiter = limiterOf(leakyBucket({ capacity: 3, leakRate: 1, leakInterval: 300, name: 'q' }))
    const { url, handled } = await app([rateLimit({ limiter, maxParked: 1 })])
    expect((await fetch(url)).status).toBe(200)
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
    try {
      const leaving = new AbortController()
      const parked = fetch(url, { signal: leaving.signal })
      const waitCall = () => setTimer.mock.calls.findIndex(([, ms]) => ms === 300)
      await vi.waitFor(() => expect(waitCall()).toBeGreaterThanOrEqual(0))

      const refused = await fetch(url)
      expect(refused.status).toBe(429)
      expect(headersOf(refused, 'ratelimit', 'retry-after', 'cache-control')).toEqual({
        ratelimit: '"q";r=2;t=1', // refused without taking its place in the queue
        'retry-after': '1',
        'cache-control': 'no-store',
      })
      expect(((await refused.json()) as ProblemDetails).detail).toBe(
        'This server is already holding as many requests waiting their turn as it allows (policy "q"); retry after 1 second.',
      )

      leaving.abort()
      await expect(parked).rejects.toThrow()
      const timer = setTimer.mock.results[waitCall()]?.value
      await vi.waitFor(() => expect(clearTimer).toHaveBeenCalledWith(timer))
      // Its place is free: the next request waits its turn (the dropped one kept its turn in the queue).
      const next = await fetch(url)
      expect(next.status).toBe(200)
      expect(((await next.json()) as { rateLimit: Decision }).rateLimit.delayMs).toBe(600)
      expect(handled()).toBe(2)
    } finally {
      setTimer.mockRestore()
      clearTimer.mockRestore()
    }
  })
}
