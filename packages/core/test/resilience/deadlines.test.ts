import { afterEach, describe, expect, it, vi } from 'vitest'
import { createStoreDeadlines } from '../../src/entries/store.ts'
import { createRateLimiter, gcra, InputError, StoreError, StoreTimeoutError } from '../../src/index.ts'
import { createDeadlines } from '../../src/resilience/deadlines.ts'
import { largest, now, settledWithin, sleep, testStore, timerGlobals } from './support.ts'

const algorithm = gcra({ rate: 1_000_000, period: '1s' })
afterEach(() => {
  vi.restoreAllMocks()
})

it('1000 hanging calls share one timer, and each settles within timeoutMs', async () => {
  const s = testStore()
  const limiter = createRateLimiter({
    store: s.store,
    algorithm,
    timeoutMs: 100,
    onStoreError: 'allow',
    circuitBreaker: false,
  })
  s.setFault('hang')
  const timers = vi.spyOn(timerGlobals, 'setTimeout')
  const outcomes = await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      const started = now()
      const d = await limiter.limit(`k${i}`)
      return { ms: now() - started, reason: d.degraded?.reason }
    }),
  )
  const armed = timers.mock.calls.length
  timers.mockRestore()
  s.release()
  expect(outcomes.every((o) => o.reason === 'timeout')).toBe(true)
  expect(largest(outcomes.map((o) => o.ms))).toBeLessThan(settledWithin(100))
  // One timer for the earliest deadline, re-armed as it moves: far fewer than one per call.
  expect(armed).toBeLessThan(20)
})

it('an in-process store (applySync) arms no timer at all', async () => {
  const s = testStore({ sync: true })
  const limiter = createRateLimiter({ store: s.store, algorithm, timeoutMs: 100, onStoreError: 'deny' })
  const timers = vi.spyOn(timerGlobals, 'setTimeout')
  for (let i = 0; i < 100; i++) await limiter.limit(`k${i}`)
  expect(timers).not.toHaveBeenCalled()
})

it('createDeadlines: results and errors pass through, late outcomes are dropped handled, idle() waits', async () => {
  const deadlines = createDeadlines(50)
  await expect(deadlines.race(Promise.resolve(1), () => new Error('late'))).resolves.toBe(1)
  await expect(
    deadlines.race(
      Promise.reject(new Error('boom')),
      () => new Error('late'),
      (e) => new StoreError(String(e)),
    ),
  ).rejects.toBeInstanceOf(StoreError)
  let rejectLate: (e: Error) => void = () => undefined
  const slow = new Promise<number>((_, reject) => {
    rejectLate = reject
  })
  const raced = deadlines.race(slow, () => new StoreTimeoutError('too slow'))
  expect(deadlines.pending).toBe(1)
  const idle = deadlines.idle()
  await expect(raced).rejects.toBeInstanceOf(StoreTimeoutError)
  await idle
  expect(deadlines.pending).toBe(0)
  rejectLate(new Error('after the deadline: nobody may see this'))
  await sleep(10)
  deadlines.stop()
})

describe('createStoreDeadlines: the one owner of a store call with a deadline', () => {
  it('never throws synchronously: a throwing work, and a call after close(), are rejections', async () => {
    const deadlines = createStoreDeadlines({
      store: 'mystore',
      timeoutMs: 50,
      storeError: (error, operation) => new StoreError(`${operation}: ${String(error)}`, { cause: error }),
    })
    let call: Promise<unknown> | undefined
    expect(() => {
      call = deadlines.run('apply', () => {
        throw new TypeError('sync throw')
      })
    }).not.toThrow()
    await expect(call).rejects.toThrow(/^apply: TypeError: sync throw$/)
    // A plain value is a result: an in-process store's answer.
    await expect(deadlines.run('apply', () => 7)).resolves.toBe(7)
    await deadlines.close()
    expect(deadlines.closed).toBe(true)
    let after: Promise<unknown> | undefined
    expect(() => {
      after = deadlines.run('reset', () => 1)
    }).not.toThrow()
    await expect(after).rejects.toThrow(
      /^mystore store: reset after store\.close\(\); create a new store to go on$/,
    )
  })

  it('times out with a StoreTimeoutError naming the store and the operation, by default', async () => {
    const deadlines = createStoreDeadlines({ store: 'mystore', timeoutMs: 30 })
    const started = now()
    const error = await deadlines.run('apply', () => new Promise(() => undefined)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreTimeoutError)
    expect((error as Error).message).toMatch(/^mystore store: apply got no answer within 30 ms/)
    expect(now() - started).toBeLessThan(settledWithin(30))
    await deadlines.close()
  })

  it('without timeoutMs it arms no timer, and close() waits for every pending call', async () => {
    const deadlines = createStoreDeadlines({ store: 'inprocess', timeoutMs: undefined })
    const timers = vi.spyOn(timerGlobals, 'setTimeout')
    let finish: (value: number) => void = () => undefined
    const pending = deadlines.run('apply', () => new Promise<number>((resolve) => (finish = resolve)))
    expect(deadlines.pending).toBe(1)
    let closed = false
    const closing = deadlines.close().then(() => {
      closed = true
    })
    // No timer was armed for the call, nor for close() (the sleep below arms one of its own).
    expect(timers).not.toHaveBeenCalled()
    timers.mockRestore()
    await sleep(5)
    expect(closed).toBe(false)
    finish(3)
    await expect(pending).resolves.toBe(3)
    await closing
    expect(closed).toBe(true)
  })

  it('a SluiceError that is no fault passes through as it is', async () => {
    const deadlines = createStoreDeadlines({ store: 'mystore', timeoutMs: 50 })
    const bug = new InputError('bad key')
    await expect(deadlines.run('apply', () => Promise.reject(bug))).rejects.toBe(bug)
    await deadlines.close()
  })
})
