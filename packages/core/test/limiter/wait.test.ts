// wait and throttle: their option checks, the store-error mode's decisions, rules limiters, real timers.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  InputError,
  parseRules,
  type RateLimiter,
  throttle,
  WaitTimeoutError,
} from '../../src/index.ts'
import { now, testStore } from '../resilience/support.ts'

// Core's tsconfig has no Node or DOM types: the runtime globals these tests use, typed here.
interface Controller {
  readonly signal: { readonly aborted: boolean; readonly reason?: unknown } & object
  abort(reason?: unknown): void
}
const runtime = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  AbortController: new () => Controller
}

/** A still clock for tests that count to a limit. */
const T0 = 1_699_999_998_000
const stores: ReturnType<typeof testStore>[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.release()
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/**
 * A limiter of 1 per second on the test store: in-process (no deadline timers, so every timer
 * running is wait's), or, with a store-error mode, behind an async boundary where faults apply.
 */
function limiterOf(options: { clock?: () => number; onStoreError?: 'allow' | 'deny' } = {}) {
  const s = testStore({ sync: options.onStoreError === undefined })
  stores.push(s)
  const limiter = createRateLimiter({
    store: s.store,
    algorithm: fixedWindow({ limit: 1, window: '1s' }),
    clock: options.clock ?? (() => T0),
    circuitBreaker: false,
    ...(options.onStoreError === undefined ? {} : { onStoreError: options.onStoreError }),
  })
  return { limiter, s }
}

describe('wait: options', () => {
  const { limiter } = limiterOf()
  const cases: [string, unknown, RegExp][] = [
    [
      'no options',
      undefined,
      /wait\(key, options\): options must be an object such as \{ maxWaitMs: '5s' \}, got undefined/,
    ],
    ['a number', 5000, /options must be an object/],
    ['no maxWaitMs', {}, /wait: maxWaitMs is required/],
    [
      'a negative maxWaitMs',
      { maxWaitMs: -1 },
      /wait: maxWaitMs must be a whole number of milliseconds 0 or more and at most 2147483647, got -1/,
    ],
    ['an infinite maxWaitMs', { maxWaitMs: Number.POSITIVE_INFINITY }, /maxWaitMs must be .*got Infinity/],
    ['NaN', { maxWaitMs: Number.NaN }, /maxWaitMs must be .*got NaN/],
    ['a maxWaitMs past a timer', { maxWaitMs: 2_147_483_648 }, /at most 2147483647/],
    [
      'a bad duration',
      { maxWaitMs: '5 minutes' },
      /maxWaitMs must be a number of milliseconds or a string like/,
    ],
    ['a misspelt option', { maxWait: 100 }, /wait: unknown option "maxWait"; did you mean "maxWaitMs"\?/],
    ['maxDelayMs', { maxWaitMs: 100, maxDelayMs: 5 }, /covers a shaping delay too: use maxWaitMs/],
    ['a signal that is not one', { maxWaitMs: 100, signal: true }, /wait: signal must be an AbortSignal/],
    ['a bad cost', { maxWaitMs: 100, cost: -1 }, /cost must be a non-negative integer, got -1/],
  ]
  for (const [what, options, message] of cases) {
    it(`rejects ${what} with an InputError`, async () => {
      const error = await (limiter.wait as (key: string, o: unknown) => Promise<unknown>)('k', options).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(message)
    })
  }

  it('rejects a bad key as limit does, and takes a duration string', async () => {
    await expect(limiter.wait('', { maxWaitMs: 100 })).rejects.toThrow(/key must be a non-empty string/)
    expect((await limiter.wait('k', { maxWaitMs: '2s' })).allowed).toBe(true)
  })
})

describe("wait: the store-error mode's decisions, as limit returns them", () => {
  it("'allow' resolves with the degraded decision", async () => {
    const { limiter, s } = limiterOf({ onStoreError: 'allow' })
    s.setFault('fail')
    const decision = await limiter.wait('k', { maxWaitMs: 0 })
    expect(decision.allowed).toBe(true)
    expect(decision.degraded?.mode).toBe('allow')
  })

  it("'deny' is a denial: too long a retryAfterMs rejects with it, a short one is waited out", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const { limiter, s } = limiterOf({ onStoreError: 'deny' })
    s.setFault('fail')
    const error = (await limiter.wait('k', { maxWaitMs: 500 }).catch((e: unknown) => e)) as WaitTimeoutError
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect(error.decision.degraded?.mode).toBe('deny')
    expect(error.waitMs).toBe(error.decision.retryAfterMs)
    const waiting = limiter.wait('k', { maxWaitMs: 5000 })
    await vi.advanceTimersByTimeAsync(0)
    s.setFault('none')
    await vi.advanceTimersByTimeAsync(error.decision.retryAfterMs)
    const decision = await waiting
    expect(decision.allowed).toBe(true)
    expect(decision.degraded).toBeUndefined()
  })
})

describe('wait on a rules limiter', () => {
  it('takes a descriptor request, waits out its retryAfterMs and ignores unmatched requests', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    vi.setSystemTime(T0)
    const s = testStore({ sync: true })
    stores.push(s)
    const limiter = createRateLimiter({
      store: s.store,
      rules: parseRules({
        domain: 'api',
        descriptors: [{ key: 'user', rate_limit: { unit: 'second', requests_per_unit: 1 } }],
      }),
      clock: () => Date.now(),
    })
    const request = { descriptors: [[{ key: 'user', value: '1' }]] }
    expect((await limiter.wait(request, { maxWaitMs: 0 })).allowed).toBe(true)
    await expect(limiter.wait(request, { maxWaitMs: 999 })).rejects.toBeInstanceOf(WaitTimeoutError)
    const waiting = limiter.wait(request, { maxWaitMs: 1000 })
    await vi.advanceTimersByTimeAsync(1000)
    const decision = await waiting
    expect(decision.allowed).toBe(true)
    expect(decision.limits?.length).toBe(1)
    const unmatched = await limiter.wait({ descriptors: [[{ key: 'other', value: 'x' }]] }, { maxWaitMs: 0 })
    expect(unmatched.policies).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})

/**
 * Spies on the runtime's timers: every timer set from now on, whether it fired or was cleared.
 * `onFire` runs just before a timer's callback. `running()` counts those that did neither.
 */
function trackTimers(onFire: (ms: number) => void = () => {}) {
  const realSet = runtime.setTimeout
  const realClear = runtime.clearTimeout
  const live = new Set<unknown>()
  const delays: number[] = []
  vi.spyOn(runtime, 'setTimeout').mockImplementation((callback, ms) => {
    delays.push(ms)
    const handle = realSet(() => {
      live.delete(handle)
      onFire(ms)
      callback()
    }, ms)
    live.add(handle)
    return handle
  })
  vi.spyOn(runtime, 'clearTimeout').mockImplementation((handle) => {
    live.delete(handle)
    realClear(handle)
  })
  return { delays, running: () => live.size }
}

describe('wait on real timers', () => {
  it('sleeps at least retryAfterMs before the next try, and leaves no timer running', async () => {
    // The limiter's clock moves by exactly what wait sleeps (when its timer fires), so counts do not
    // depend on the machine's speed; the sleeps are real timers.
    let clockMs = T0
    const timers = trackTimers((ms) => {
      clockMs += ms
    })
    const { limiter } = limiterOf({ clock: () => clockMs })
    await limiter.limit('k')
    const started = now()
    const decision = await limiter.wait('k', { maxWaitMs: 60_000 })
    // A timer may fire up to 1 ms early on the loop's clock.
    expect(now() - started).toBeGreaterThanOrEqual(1000 - 1)
    expect(decision.allowed).toBe(true)
    expect(timers.delays).toEqual([1000])
    expect(timers.running()).toBe(0)
  })

  it('a timeout or an abort leaves no timer running either', async () => {
    const { limiter } = limiterOf()
    await limiter.limit('k')
    const timers = trackTimers()
    await expect(limiter.wait('k', { maxWaitMs: 10 })).rejects.toBeInstanceOf(WaitTimeoutError)
    expect(timers.delays).toEqual([])
    const controller = new runtime.AbortController()
    const waiting = limiter.wait('k', { maxWaitMs: 60_000, signal: controller.signal as never })
    await new Promise((resolve) => runtime.setTimeout(() => resolve(undefined), 20))
    expect(timers.running()).toBe(1)
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    expect(timers.running()).toBe(0)
    expect(timers.delays.slice().sort((a, b) => a - b)).toEqual([20, 1000])
  })
})

describe('throttle: options, checked at construction', () => {
  const { limiter } = limiterOf()
  const fn = () => 'ok'
  const cases: [string, () => unknown, RegExp][] = [
    [
      'fn',
      () => throttle(5 as never, limiter, { key: 'k', maxWaitMs: 1 }),
      /throttle: fn must be a function, got 5/,
    ],
    [
      'limiter',
      () => throttle(fn, {} as RateLimiter, { key: 'k', maxWaitMs: 1 }),
      /throttle: limiter must be a limiter/,
    ],
    ['options', () => throttle(fn, limiter, undefined as never), /throttle\(\) takes an options object/],
    ['key', () => throttle(fn, limiter, { key: '', maxWaitMs: 1 }), /throttle: key must be a key .*got ""/],
    [
      'key type',
      () => throttle(fn, limiter, { key: 42 as never, maxWaitMs: 1 }),
      /throttle: key must be a key/,
    ],
    ['maxWaitMs', () => throttle(fn, limiter, { key: 'k' } as never), /throttle: maxWaitMs is required/],
    [
      'maxWaitMs value',
      () => throttle(fn, limiter, { key: 'k', maxWaitMs: -5 }),
      /throttle: maxWaitMs must be/,
    ],
    [
      'signal',
      () => throttle(fn, limiter, { key: 'k', maxWaitMs: 1, signal: {} as never }),
      /throttle: signal must be an AbortSignal/,
    ],
    [
      'cost',
      () => throttle(fn, limiter, { key: 'k', maxWaitMs: 1, cost: 0.5 }),
      /throttle: cost must be a non-negative integer/,
    ],
    [
      'a misspelt option',
      () => throttle(fn, limiter, { key: 'k', maxWaitMs: 1, maxWait: 1 } as never),
      /did you mean "maxWaitMs"/,
    ],
  ]
  for (const [what, make, message] of cases) {
    it(`a bad ${what} is a ConfigError`, () => {
      expect(make).toThrow(ConfigError)
      expect(make).toThrow(message)
    })
  }

  it('a key or cost function that throws, or returns a bad key, rejects the call without calling fn', async () => {
    const called = vi.fn()
    const thrown = new Error('no host')
    const byKey = throttle(called, limiter, {
      key: () => {
        throw thrown
      },
      maxWaitMs: 0,
    })
    await expect(byKey()).rejects.toBe(thrown)
    const badKey = throttle(called, limiter, { key: () => '', maxWaitMs: 0 })
    await expect(badKey()).rejects.toBeInstanceOf(InputError)
    const badCost = throttle(called, limiter, { key: 'k', cost: () => -1, maxWaitMs: 0 })
    await expect(badCost()).rejects.toBeInstanceOf(InputError)
    expect(called).not.toHaveBeenCalled()
  })
})
