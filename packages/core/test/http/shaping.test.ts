// Shaping through the HTTP kit: waits, the wait bound, disconnects and the maxParked bound.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type AbortSignalLike, createRateLimitCheck, type RateLimitOutcome } from '../../src/entries/http.ts'
import { createRateLimiter, leakyBucket } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

// Core compiles without Node's or the DOM's types: name the runtime globals these tests use.
interface Controller {
  readonly signal: AbortSignalLike
  abort(): void
}
const runtime = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  AbortController: new () => Controller
  AbortSignal: { abort(): AbortSignalLike }
}

const spec = {
  factory: 'rateLimit',
  clientAddress: (req: { ip?: string }) => req.ip,
  clientAddressSource: 'req.ip',
}

afterEach(() => {
  vi.restoreAllMocks()
})

function expectAction<A extends RateLimitOutcome['action']>(
  outcome: RateLimitOutcome,
  action: A,
): Extract<RateLimitOutcome, { action: A }> {
  expect(outcome.action).toBe(action)
  return outcome as Extract<RateLimitOutcome, { action: A }>
}

describe('shaping', () => {
  // The limiter's clock stands still, so turns are exactly 0, 150 and 300 ms away however slow the
  // machine; the waits themselves are real timers. An in-process store that applies maxDelayMs in
  // its step, as the contract says: no deadline timer, and a refused wait takes nothing.
  const shaper = () =>
    createRateLimiter({
      store: testStore({ sync: true }).store,
      algorithm: leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 150, name: 'queue' }),
      clock: () => 1_700_000_000_000,
    })

  it('holds an admitted request for its delay, then continues', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    const setTimer = vi.spyOn(runtime, 'setTimeout')
    const first = expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(first.decision.delayMs).toBe(0)
    expect(setTimer).not.toHaveBeenCalled()
    const second = expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(second.decision.delayMs).toBeGreaterThan(100)
    // Held by a timer of exactly its delay (timers never fire early; how late is the machine's business).
    expect(setTimer).toHaveBeenCalledTimes(1)
    expect(setTimer.mock.calls[0]?.[1]).toBe(second.decision.delayMs)
  })

  it('refuses a delay over maxDelayMs with t and Retry-After from the delay', async () => {
    const limiter = shaper()
    const { check } = createRateLimitCheck({ limiter, maxDelayMs: 100 }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const refused = expectAction(await check({ ip: '192.0.2.1' }), 'limit')
    // The bound is applied inside the step: the refused wait took nothing from the queue.
    expect(refused.decision.allowed).toBe(false)
    expect((await limiter.peek('192.0.2.1')).remaining).toBe(2)
    expect(refused.headers).toContainEqual(['RateLimit', '"queue";r=2;t=1'])
    expect(refused.headers).toContainEqual(['Retry-After', '1'])
    expect(refused.limited.problem.detail).toMatch(/^The queue of policy "queue" is longer than/)
  })

  it('a client that leaves mid-wait is dropped and its timer cleared', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const setTimer = vi.spyOn(runtime, 'setTimeout')
    const clearTimer = vi.spyOn(runtime, 'clearTimeout')
    const controller = new runtime.AbortController()
    const pending = check({ ip: '192.0.2.1' }, () => controller.signal)
    await vi.waitFor(() => expect(setTimer).toHaveBeenCalled())
    controller.abort()
    expectAction(await pending, 'drop')
    const handle = setTimer.mock.results[0]?.value
    expect(clearTimer).toHaveBeenCalledWith(handle)
  })

  it('a client already gone when its turn is computed gets no timer at all', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const setTimer = vi.spyOn(runtime, 'setTimeout')
    expectAction(await check({ ip: '192.0.2.1' }, () => runtime.AbortSignal.abort()), 'drop')
    expect(setTimer).not.toHaveBeenCalled()
  })

  it('asks for the abort signal only for a request that waits, passing it the request', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    const signalFor = vi.fn((_req: { ip?: string }) => new runtime.AbortController().signal)
    const first = { ip: '192.0.2.1' }
    expectAction(await check(first, signalFor), 'allow')
    expect(signalFor).not.toHaveBeenCalled()
    const second = { ip: '192.0.2.1' }
    expect(expectAction(await check(second, signalFor), 'allow').decision.delayMs).toBeGreaterThan(0)
    expect(signalFor).toHaveBeenCalledTimes(1)
    expect(signalFor.mock.calls[0]?.[0]).toBe(second)
  })

  it('a finished wait removes its abort listener', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const signal = new runtime.AbortController().signal
    const add = vi.spyOn(signal, 'addEventListener')
    const remove = vi.spyOn(signal, 'removeEventListener')
    expectAction(await check({ ip: '192.0.2.1' }, () => signal), 'allow')
    expect(add).toHaveBeenCalledTimes(1)
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1])
  })

  describe('maxParked', () => {
    const ip = { ip: '192.0.2.1' }

    it('a request that would wait while every place is taken is refused at once, taking nothing; a client that leaves gives its place back', async () => {
      const limiter = shaper()
      const { check } = createRateLimitCheck({ limiter, maxParked: 1 }, spec)
      expectAction(await check(ip), 'allow')
      const setTimer = vi.spyOn(runtime, 'setTimeout')
      const leaving = new runtime.AbortController()
      const parked = check(ip, () => leaving.signal)
      await vi.waitFor(() => expect(setTimer).toHaveBeenCalledTimes(1))

      const refused = expectAction(await check(ip), 'limit')
      expect(refused.decision.allowed).toBe(false)
      expect(refused.limited.status).toBe(429)
      // Its turn would have been 300 ms away: that is its wait, in t and Retry-After.
      expect(refused.headers).toContainEqual(['RateLimit', '"queue";r=1;t=1'])
      expect(refused.headers).toContainEqual(['Retry-After', '1'])
      expect(refused.limited.problem.detail).toBe(
        'This server is already holding as many requests waiting their turn as it allows (policy "queue"); retry after 1 second.',
      )
      expect(setTimer).toHaveBeenCalledTimes(1)
      // It took nothing from the queue: one place is left in the bucket.
      expect((await limiter.peek('192.0.2.1')).remaining).toBe(1)

      leaving.abort()
      expectAction(await parked, 'drop')
      // The place is free again: the next request waits its turn (the store kept the dropped one's).
      const next = expectAction(await check(ip, () => new runtime.AbortController().signal), 'allow')
      expect(next.decision.delayMs).toBe(300)
    })

    it('a wait that runs out gives its place back', async () => {
      const { check } = createRateLimitCheck({ limiter: shaper(), maxParked: 1 }, spec)
      expectAction(await check(ip), 'allow')
      expect(expectAction(await check(ip), 'allow').decision.delayMs).toBe(150)
      expect(expectAction(await check(ip), 'allow').decision.delayMs).toBe(300)
    })

    it('maxParked: 0 never holds a request; requests that need no wait still pass', async () => {
      const setTimer = vi.spyOn(runtime, 'setTimeout')
      const { check } = createRateLimitCheck({ limiter: shaper(), maxParked: 0 }, spec)
      expectAction(await check(ip), 'allow')
      const refused = expectAction(await check(ip), 'limit')
      expect(refused.limited.problem.detail).toMatch(/^This server is already holding/)
      expect(setTimer).not.toHaveBeenCalled()
    })

    it('counts per middleware: a second one on the same limiter has its own places', async () => {
      const limiter = shaper()
      const a = createRateLimitCheck({ limiter, maxParked: 1 }, spec).check
      const b = createRateLimitCheck({ limiter, maxParked: 1 }, spec).check
      expectAction(await a(ip), 'allow')
      const setTimer = vi.spyOn(runtime, 'setTimeout')
      const leaving = new runtime.AbortController()
      const parked = a(ip, () => leaving.signal)
      await vi.waitFor(() => expect(setTimer).toHaveBeenCalledTimes(1))
      expectAction(await a(ip), 'limit')
      const other = new runtime.AbortController()
      const second = b(ip, () => other.signal)
      await vi.waitFor(() => expect(setTimer).toHaveBeenCalledTimes(2))
      expect(setTimer.mock.calls[1]?.[1]).toBe(300)
      leaving.abort()
      other.abort()
      expectAction(await parked, 'drop')
      expectAction(await second, 'drop')
    })
  })
})
