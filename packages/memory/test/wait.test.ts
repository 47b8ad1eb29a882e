// limiter.wait and throttle on the memory store: sleeps of exactly retryAfterMs, up-front timeouts, aborts, shaping.
import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  InputError,
  leakyBucket,
  type RateLimiter,
  throttle,
  WaitTimeoutError,
} from '@sluice/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStore } from '../src/index.ts'

// Time is fake here: the limiter's clock (Date.now), wait's timers and its monotonic clock
// (performance.now) all move only when a test advances them, so counts and sleeps are exact.
const T0 = 1_700_000_000_000 // a whole second, so 1 s windows turn at T0 + k × 1000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  vi.setSystemTime(T0)
})

afterEach(() => {
  // Whatever a test did, wait left no timer behind.
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
  vi.restoreAllMocks()
})

function limiterOf(algorithm: Algorithm = fixedWindow({ limit: 2, window: '1s' })): RateLimiter {
  return createRateLimiter({ store: memoryStore(), algorithm, clock: () => Date.now(), shareCounters: true })
}

/** `promise`'s state now, without waiting for it. */
async function settled<T>(promise: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  promise.then(
    () => {
      state = 'resolved'
    },
    () => {
      state = 'rejected'
    },
  )
  await vi.advanceTimersByTimeAsync(0)
  return state
}

/** The store calls a limiter makes, counted through its decision events. */
function countDecisions(limiter: RateLimiter): { readonly count: number } {
  const counter = { count: 0 }
  limiter.events.on('decision', () => {
    counter.count++
  })
  return counter
}

describe('limiter.wait on the memory store', () => {
  it('resolves at once, with no timer, when the limiter admits', async () => {
    const limiter = limiterOf()
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const decision = await limiter.wait('k', { maxWaitMs: 1000 })
    expect(decision.allowed).toBe(true)
    expect(decision.remaining).toBe(1)
    expect(setTimer).not.toHaveBeenCalled()
    expect((await limiter.peek('k')).remaining).toBe(1)
  })

  it('sleeps exactly the denial retryAfterMs, then takes from the next window', async () => {
    const limiter = limiterOf()
    vi.setSystemTime(T0 + 400)
    await limiter.limit('k')
    await limiter.limit('k')
    const calls = countDecisions(limiter)
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const waiting = limiter.wait('k', { maxWaitMs: '1s' })
    expect(await settled(waiting)).toBe('pending')
    // One store call, then one timer of the denial's retryAfterMs (the 600 ms left of the window).
    expect(calls.count).toBe(1)
    expect(setTimer).toHaveBeenCalledTimes(1)
    expect(setTimer.mock.calls[0]?.[1]).toBe(600)
    await vi.advanceTimersByTimeAsync(599)
    expect(await settled(waiting)).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    const decision = await waiting
    expect(decision.allowed).toBe(true)
    expect(Date.now()).toBe(T0 + 1000)
    expect(decision.remaining).toBe(1)
    expect(calls.count).toBe(2)
  })

  it('rejects at once with a WaitTimeoutError, taking nothing, when retryAfterMs exceeds maxWaitMs', async () => {
    const limiter = limiterOf()
    await limiter.limit('k')
    await limiter.limit('k')
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const waiting = limiter.wait('k', { maxWaitMs: 999 }).catch((e: unknown) => e)
    expect(await settled(waiting)).toBe('resolved')
    const error = await waiting
    expect(error).toBeInstanceOf(WaitTimeoutError)
    const timeout = error as WaitTimeoutError
    expect(timeout.name).toBe('WaitTimeoutError')
    expect(timeout.waitMs).toBe(1000)
    expect(timeout.maxWaitMs).toBe(999)
    expect(timeout.decision.allowed).toBe(false)
    expect(timeout.decision.retryAfterMs).toBe(1000)
    expect(timeout.message).toMatch(/admission would come in 1000 ms .* later than maxWaitMs 999/)
    // Decided from the answer, without sleeping first.
    expect(setTimer).not.toHaveBeenCalled()
    expect(Date.now()).toBe(T0)
    expect((await limiter.peek('k')).remaining).toBe(0)
  })

  it('waits when admission comes exactly at maxWaitMs', async () => {
    const limiter = limiterOf()
    await limiter.limit('k')
    await limiter.limit('k')
    const waiting = limiter.wait('k', { maxWaitMs: 1000 })
    await vi.advanceTimersByTimeAsync(1000)
    expect((await waiting).allowed).toBe(true)
  })

  it('maxWaitMs 0 takes an immediate admission only', async () => {
    const limiter = limiterOf()
    expect((await limiter.wait('k', { maxWaitMs: 0 })).allowed).toBe(true)
    expect((await limiter.wait('k', { maxWaitMs: 0 })).allowed).toBe(true)
    await expect(limiter.wait('k', { maxWaitMs: 0 })).rejects.toBeInstanceOf(WaitTimeoutError)
  })

  it('serves concurrent waiters one window after another, each sleeping only its retryAfterMs', async () => {
    const limiter = limiterOf(fixedWindow({ limit: 1, window: '1s' }))
    const calls = countDecisions(limiter)
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    const admittedAt: number[] = []
    const waiters = [0, 1, 2].map(() =>
      limiter.wait('k', { maxWaitMs: 5000 }).then((d) => {
        expect(d.allowed).toBe(true)
        admittedAt.push(Date.now())
      }),
    )
    await vi.advanceTimersByTimeAsync(5000)
    await Promise.all(waiters)
    expect(admittedAt).toEqual([T0, T0 + 1000, T0 + 2000])
    // 1 + 2 + 1 store calls: each denied waiter asks again only when its window turns.
    expect(calls.count).toBe(6)
    expect(setTimer.mock.calls.map((c) => c[1])).toEqual([1000, 1000, 1000])
  })

  it('gives up once the time left is shorter than the next retryAfterMs', async () => {
    const limiter = limiterOf(fixedWindow({ limit: 1, window: '1s' }))
    await limiter.limit('k')
    const rival = limiter.wait('k', { maxWaitMs: 5000 })
    const late = limiter.wait('k', { maxWaitMs: 1500 }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1000)
    // The rival took the turn at T0 + 1000; the next one is 1000 ms away and 500 ms are left.
    expect((await rival).allowed).toBe(true)
    const error = (await late) as WaitTimeoutError
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect(error.waitMs).toBe(1000)
    expect(error.message).toMatch(/\(500 ms were left\)/)
  })

  it('rejects with an AbortError on abort, clearing its timer and taking nothing', async () => {
    const limiter = limiterOf()
    await limiter.limit('k')
    await limiter.limit('k')
    const clearTimer = vi.spyOn(globalThis, 'clearTimeout')
    const controller = new AbortController()
    const waiting = limiter.wait('k', { maxWaitMs: 5000, signal: controller.signal }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(300)
    expect(vi.getTimerCount()).toBe(1)
    controller.abort()
    const error = (await waiting) as Error
    expect(error).toBeInstanceOf(DOMException)
    expect(error.name).toBe('AbortError')
    expect(clearTimer).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
    expect((await limiter.peek('k')).remaining).toBe(0)
  })

  it("rejects with the signal's own reason, and without a store call when already aborted", async () => {
    const limiter = limiterOf()
    const calls = countDecisions(limiter)
    const reason = new Error('shutting down')
    await expect(limiter.wait('k', { maxWaitMs: 5000, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    )
    expect(calls.count).toBe(0)
    expect((await limiter.peek('k')).remaining).toBe(2)
  })

  it('removes its abort listener when the wait ends', async () => {
    const limiter = limiterOf()
    await limiter.limit('k')
    await limiter.limit('k')
    const controller = new AbortController()
    const add = vi.spyOn(controller.signal, 'addEventListener')
    const remove = vi.spyOn(controller.signal, 'removeEventListener')
    const waiting = limiter.wait('k', { maxWaitMs: 5000, signal: controller.signal })
    await vi.advanceTimersByTimeAsync(1000)
    expect((await waiting).allowed).toBe(true)
    expect(add).toHaveBeenCalledTimes(1)
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1])
  })

  it('holds a shaped request for its delayMs before resolving', async () => {
    const limiter = limiterOf(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 150 }))
    expect((await limiter.wait('k', { maxWaitMs: 1000 })).delayMs).toBe(0)
    const second = limiter.wait('k', { maxWaitMs: 1000 })
    await vi.advanceTimersByTimeAsync(149)
    expect(await settled(second)).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    const decision: Decision = await second
    expect(decision.allowed).toBe(true)
    expect(decision.delayMs).toBe(150)
  })

  it('refuses a shaping delay over maxWaitMs at once, with the whole delay, taking nothing', async () => {
    const limiter = limiterOf(leakyBucket({ capacity: 5, leakRate: 1, leakInterval: 200 }))
    for (let i = 0; i < 3; i++) await limiter.limit('k')
    const before = (await limiter.peek('k')).remaining
    const setTimer = vi.spyOn(globalThis, 'setTimeout')
    // The queue ahead makes this request's turn 600 ms away; it may wait 450. Waiting out the
    // 150 ms over the bound would not help: the turn and the bound draw nearer at the same pace.
    const waiting = limiter.wait('k', { maxWaitMs: 450 }).catch((e: unknown) => e)
    expect(await settled(waiting)).toBe('resolved')
    const error = (await waiting) as WaitTimeoutError
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect(error.waitMs).toBe(600)
    expect(setTimer).not.toHaveBeenCalled()
    expect((await limiter.peek('k')).remaining).toBe(before)
  })

  it('takes cost units as limit does, and rejects a cost limit would refuse', async () => {
    const limiter = limiterOf(gcra({ rate: 10, period: '1s', burst: 4 }))
    expect((await limiter.wait('k', { maxWaitMs: 0, cost: 3 })).remaining).toBe(1)
    const waiting = limiter.wait('k', { maxWaitMs: 1000, cost: 3 })
    await vi.advanceTimersByTimeAsync(200)
    expect((await waiting).remaining).toBe(0)
    await expect(limiter.wait('k', { maxWaitMs: 1000, cost: 5 })).rejects.toThrow(
      /cost 5 can never be admitted/,
    )
    await expect(limiter.wait('k', { maxWaitMs: 1000, cost: 1.5 })).rejects.toBeInstanceOf(InputError)
  })
})

describe('throttle on the memory store', () => {
  it('calls fn with its arguments and this once admitted, one window after another', async () => {
    const limiter = limiterOf(fixedWindow({ limit: 1, window: '1s' }))
    const calledAt: [number, string][] = []
    const client = {
      name: 'api',
      get(path: string) {
        calledAt.push([Date.now(), `${this.name}${path}`])
        return Promise.resolve(path.length)
      },
    }
    const get = throttle(client.get, limiter, { key: 'api', maxWaitMs: '5s' })
    const results = [get.call(client, '/a'), get.call(client, '/bb'), get.call(client, '/ccc')]
    await vi.advanceTimersByTimeAsync(2000)
    expect(await Promise.all(results)).toEqual([2, 3, 4])
    expect(calledAt).toEqual([
      [T0, 'api/a'],
      [T0 + 1000, 'api/bb'],
      [T0 + 2000, 'api/ccc'],
    ])
  })

  it('keys and costs each call by its arguments', async () => {
    const limiter = limiterOf(fixedWindow({ limit: 3, window: '1s' }))
    const send = throttle((host: string, batch: number) => `${host}:${batch}`, limiter, {
      key: (host) => host,
      cost: (_host, batch) => batch,
      maxWaitMs: 0,
    })
    expect(await send('a.example', 2)).toBe('a.example:2')
    expect(await send('b.example', 3)).toBe('b.example:3')
    await expect(send('a.example', 2)).rejects.toBeInstanceOf(WaitTimeoutError)
    expect((await limiter.peek('a.example')).remaining).toBe(1)
    expect((await limiter.peek('b.example')).remaining).toBe(0)
  })

  it('never calls fn for a call that times out or is aborted', async () => {
    const limiter = limiterOf(fixedWindow({ limit: 1, window: '1s' }))
    const fn = vi.fn(() => 'done')
    const controller = new AbortController()
    const call = throttle(fn, limiter, { key: 'k', maxWaitMs: 2000, signal: controller.signal })
    expect(await call()).toBe('done')
    const aborted = call().catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(10)
    controller.abort()
    expect(((await aborted) as Error).name).toBe('AbortError')
    const short = throttle(fn, limiter, { key: 'k', maxWaitMs: 100 })
    await expect(short()).rejects.toBeInstanceOf(WaitTimeoutError)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('passes on what fn throws or rejects with, after admission', async () => {
    const limiter = limiterOf()
    const boom = new Error('boom')
    const sync = throttle(
      () => {
        throw boom
      },
      limiter,
      { key: 'k', maxWaitMs: 0 },
    )
    await expect(sync()).rejects.toBe(boom)
    const rejecting = throttle(() => Promise.reject(boom), limiter, { key: 'k', maxWaitMs: 0 })
    await expect(rejecting()).rejects.toBe(boom)
    expect((await limiter.peek('k')).remaining).toBe(0)
  })
})
