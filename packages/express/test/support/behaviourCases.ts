import {
  createRateLimiter,
  type Decision,
  fixedWindow,
  InputError,
  leakyBucket,
  type ProblemDetails,
  type RateLimiter,
  type Store,
  StoreError,
} from '@sluice/core'
import type { RequestHandler } from 'express'
import { expect, it, vi } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './server.ts'

/**
 * How much earlier than its delay a wait may seem to end: the test's clock and the event loop's
 * timer clock round milliseconds differently (a timer never fires before its time on its own clock).
 */
const TIMER_SLACK_MS = 5

/** Shaping, faults, custom responses and disconnects over real HTTP. */
export function behaviourCases(h: Harness, full: boolean): void {
  const { app, limiterOf, perMinute, store } = h
  it('shaping: requests wait their turn; a wait over maxDelayMs is refused', async () => {
    const shaper = () => limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 200, name: 'q' }))
    const { url } = await app([rateLimit({ limiter: shaper() })])
    const started = Date.now()
    const timed = async () => {
      const res = await fetch(url)
      const ms = Date.now() - started
      if (res.status !== 200) return { status: res.status, ms, delayMs: -1 }
      const body = (await res.json()) as { rateLimit: Decision }
      return { status: res.status, ms, delayMs: body.rateLimit.delayMs }
    }
    const results = await Promise.all([timed(), timed(), timed(), timed()])
    expect(results.filter((r) => r.status === 429)).toHaveLength(1)
    const ok = results.filter((r) => r.status === 200).sort((a, b) => a.delayMs - b.delayMs)
    // The limiter's clock stands still at NOW, so the turns are exactly 0, 200 and 400 ms away;
    // the waits themselves are real timers.
    expect(ok.map((r) => r.delayMs)).toEqual([0, 200, 400])
    // Each was held at least its delay, measured from before the first request was sent. No upper
    // bound: how late a loaded machine runs a timer is not the binding's to promise.
    for (const r of ok) expect(r.ms).toBeGreaterThanOrEqual(r.delayMs - TIMER_SLACK_MS)

    const capped = (await app([rateLimit({ limiter: shaper(), maxDelayMs: 100 })])).url
    expect((await fetch(capped)).status).toBe(200)
    const refused = await fetch(capped)
    expect(refused.status).toBe(429)
    expect(headersOf(refused, 'ratelimit', 'retry-after')).toEqual({
      ratelimit: '"q";r=2;t=1', // refused for its wait: it took nothing from the queue
      'retry-after': '1',
    })
  })

  if (!full) return

  it('a request with no client address goes to the error handler', async () => {
    const destroy: RequestHandler = (req, _res, next) => {
      req.socket.destroy()
      next()
    }
    const { url, errors, handled } = await app([destroy, rateLimit({ limiter: perMinute(5) })])
    await expect(fetch(url)).rejects.toThrow()
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toBeInstanceOf(InputError)
    expect((errors[0] as Error).message).toMatch(
      /the request has no client address \(req.ip is undefined: .*\); pass key: \(req\) => string/,
    )
    expect(handled()).toBe(0)
  })

  it('a store fault goes to the error handler, never a 429', async () => {
    const { name, capabilities, reset } = store()
    const faulty: Store = {
      name,
      capabilities,
      reset,
      apply: () => Promise.reject(new StoreError('store unreachable')),
    }
    const limiter: RateLimiter = createRateLimiter({
      store: faulty,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
    })
    const { url, errors } = await app([rateLimit({ limiter })])
    const res = await fetch(url)
    expect(res.status).toBe(500)
    expect(res.headers.get('retry-after')).toBeNull()
    expect(errors[0]).toBeInstanceOf(StoreError)
  })

  it('onLimited sends a custom response, with the headers already set', async () => {
    const { url, errors } = await app([
      rateLimit({
        limiter: perMinute(1),
        statusCode: 503,
        onLimited: (req, res, _next, limited) => {
          res
            .status(limited.status)
            .json({ slowDown: limited.retryAfterSeconds, left: req.rateLimit?.remaining })
        },
      }),
    ])
    await fetch(url)
    const res = await fetch(url)
    expect(res.status).toBe(503)
    expect(headersOf(res, 'retry-after', 'cache-control', 'ratelimit')).toEqual({
      'retry-after': '42',
      'cache-control': 'no-store',
      ratelimit: '"api";r=0;t=42',
    })
    expect(await res.json()).toEqual({ slowDown: 42, left: 0 })

    const failing = await app([
      rateLimit({
        limiter: perMinute(1),
        onLimited: async () => Promise.reject(new Error('template missing')),
      }),
    ])
    await fetch(failing.url)
    expect((await fetch(failing.url)).status).toBe(500)
    expect((failing.errors[0] as Error).message).toBe('template missing')
    expect(errors).toEqual([])
  })

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
      // The shaping wait: the second request's turn is 600 ms away (the limiter clock stands still).
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
      expect(((await next.json()) as { rateLimit: { delayMs: number } }).rateLimit.delayMs).toBe(600)
      expect(handled()).toBe(2)
    } finally {
      setTimer.mockRestore()
      clearTimer.mockRestore()
    }
  })
}
