// Shaping (leaky bucket) over real HTTP: waits in turn, maxDelayMs, maxParked, a client that leaves.
import { type Decision, leakyBucket } from '@sluice/core'
import type { ProblemDetails } from '@sluice/core/http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Harness } from './harness.ts'
import { headersOf, json } from './harness.ts'

/**
 * How much earlier than its delay a wait may seem to end: the test's clock and the event loop's
 * timer clock round milliseconds differently (a timer never fires before its time on its own clock).
 */
const TIMER_SLACK_MS = 5

/**
 * A turn no test waits for: a client leaves, or a request is refused, long before it comes however
 * loaded the machine (a 300 ms turn once came before the client had left, under load 15).
 */
const LONG_MS = 20_000

/** The handles of the timers set for a shaping wait of exactly `ms`. */
function waitTimers(
  spy: { mock: { calls: unknown[][]; results: { value: unknown }[] } },
  ms: number,
): unknown[] {
  return spy.mock.calls.flatMap((call, i) => (call[1] === ms ? [spy.mock.results[i]?.value] : []))
}

export function shapingCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, limiterOf } = h
  // One request leaves every `intervalMs` and `capacity` may wait. The limiter's clock stands still,
  // so turns are exact multiples of the interval however slow the machine; the waits are real timers.
  const shaper = (capacity: number, intervalMs: number) =>
    limiterOf(leakyBucket({ capacity, leakRate: 1, leakInterval: intervalMs, name: 'q' }))
  const delayOf = async (res: Response) => (await json<{ rateLimit: Decision }>(res)).rateLimit.delayMs

  describe('shaping', () => {
    afterEach(() => {
      vi.restoreAllMocks()
    })

    it('requests wait their turn: each is held at least its delayMs', async () => {
      const { url } = await serve({ limiter: shaper(2, 200) })
      const started = Date.now()
      const timed = async () => {
        const res = await fetch(url)
        const ms = Date.now() - started
        return { status: res.status, ms, delayMs: res.status === 200 ? await delayOf(res) : -1 }
      }
      const results = await Promise.all([timed(), timed(), timed(), timed()])
      expect(results.filter((r) => r.status === 429)).toHaveLength(1)
      // Each held at least its delay. No upper bound, nor the order the answers arrive in: how late
      // a loaded machine runs a timer is not the binding's to promise.
      const ok = results.filter((r) => r.status === 200).sort((a, b) => a.delayMs - b.delayMs)
      expect(ok.map((r) => r.delayMs)).toEqual([0, 200, 400])
      for (const r of ok) expect(r.ms).toBeGreaterThanOrEqual(r.delayMs - TIMER_SLACK_MS)
    })

    it('a wait longer than maxDelayMs is a 429 that says so, taking nothing from the queue', async () => {
      const { url, handled } = await serve({ limiter: shaper(2, 200), maxDelayMs: 100 })
      expect((await fetch(url)).status).toBe(200)
      const refused = await fetch(url)
      expect(refused.status).toBe(429)
      expect(headersOf(refused, 'ratelimit', 'retry-after')).toEqual({
        ratelimit: '"q";r=2;t=1', // refused for its wait: it took nothing from the queue
        'retry-after': '1',
      })
      expect(await json<ProblemDetails>(refused)).toMatchObject({
        detail:
          'The queue of policy "q" is longer than this server lets a request wait; retry after 1 second.',
        'violated-policies': ['q'],
      })
      expect(handled()).toBe(1)
    })

    it('maxDelayMs: 0 never waits', async () => {
      const { url } = await serve({ limiter: shaper(5, 1000), maxDelayMs: 0 })
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(url)).status).toBe(429)
    })

    it('a client that disconnects while waiting is dropped: the handler never runs and no timer is left', async () => {
      const { url, handled } = await serve({ limiter: shaper(2, LONG_MS) })
      expect((await fetch(url)).status).toBe(200)
      const setTimer = vi.spyOn(globalThis, 'setTimeout')
      const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
      const controller = new AbortController()
      const pending = fetch(url, { signal: controller.signal })
      // The second request's turn is exactly one interval away.
      await vi.waitFor(() => expect(waitTimers(setTimer, LONG_MS)).toHaveLength(1))
      controller.abort()
      await expect(pending).rejects.toThrow()
      // Its timer is cleared before its turn: the handler can never run for it.
      const [timer] = waitTimers(setTimer, LONG_MS)
      await vi.waitFor(() => expect(clearTimer).toHaveBeenCalledWith(timer))
      expect(handled()).toBe(1)
    })

    it('maxParked: a request that would wait while every place is taken is refused at once; a client that leaves gives its place back', async () => {
      const { url, handled } = await serve({ limiter: shaper(3, LONG_MS), maxParked: 1 })
      expect((await fetch(url)).status).toBe(200)
      const setTimer = vi.spyOn(globalThis, 'setTimeout')
      const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
      const leaving = new AbortController()
      const parked = fetch(url, { signal: leaving.signal })
      await vi.waitFor(() => expect(waitTimers(setTimer, LONG_MS)).toHaveLength(1))

      const refused = await fetch(url)
      expect(refused.status).toBe(429)
      expect(headersOf(refused, 'ratelimit', 'retry-after', 'cache-control')).toEqual({
        // Refused without taking its place in the queue; its turn would be two intervals away.
        ratelimit: '"q";r=2;t=40',
        'retry-after': '40',
        'cache-control': 'no-store',
      })
      expect((await json<ProblemDetails>(refused)).detail).toBe(
        'This server is already holding as many requests waiting their turn as it allows (policy "q"); retry after 40 seconds.',
      )

      leaving.abort()
      await expect(parked).rejects.toThrow()
      const [timer] = waitTimers(setTimer, LONG_MS)
      await vi.waitFor(() => expect(clearTimer).toHaveBeenCalledWith(timer))
      // Its place is free: the next request is parked for its turn, two intervals away (the dropped
      // one kept its turn in the queue), not refused.
      const again = new AbortController()
      const next = fetch(url, { signal: again.signal })
      await vi.waitFor(() => expect(waitTimers(setTimer, 2 * LONG_MS)).toHaveLength(1))
      again.abort()
      await expect(next).rejects.toThrow()
      expect(handled()).toBe(1)
    })
  })
}
