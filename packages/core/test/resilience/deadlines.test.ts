import { afterEach, expect, it, vi } from 'vitest'
import { createDeadlines, createRateLimiter, gcra, StoreError, StoreTimeoutError } from '../../src/index.ts'
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
