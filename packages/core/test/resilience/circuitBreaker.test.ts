import { afterEach, expect, it } from 'vitest'
import { CircuitOpenError, createRateLimiter, gcra, StoreError } from '../../src/index.ts'
import { largest, sleep, smallest, testStore } from './support.ts'

const algorithm = gcra({ rate: 1000, period: '1s' })
const stores: ReturnType<typeof testStore>[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.release()
})

it('opens after `failures` faults in a row, answers by policy at once, probes after the cool-down and closes on success', async () => {
  const s = testStore()
  stores.push(s)
  const limiter = createRateLimiter({
    store: s.store,
    algorithm,
    onStoreError: 'deny',
    circuitBreaker: { failures: 3, coolDownMs: 80 },
    denyCache: false,
  })
  s.setFault('fail')
  for (let i = 0; i < 3; i++) expect((await limiter.limit('k')).degraded?.reason).toBe('store-error')
  expect(s.counts.apply).toBe(3)

  // Open: answered without the store, and the denial says when the next probe goes out.
  const open = await Promise.all(Array.from({ length: 50 }, () => limiter.limit('k')))
  expect(s.counts.apply).toBe(3)
  expect(
    open.every((d) => d.degraded?.reason === 'circuit-open' && d.degraded.error instanceof CircuitOpenError),
  ).toBe(true)
  expect(largest(open.map((d) => d.retryAfterMs))).toBeLessThanOrEqual(80)
  expect(smallest(open.map((d) => d.retryAfterMs))).toBeGreaterThan(0)

  // Cool-down over, store still down: one probe fails and reopens it.
  await sleep(100)
  await Promise.all(Array.from({ length: 10 }, () => limiter.limit('k')))
  expect(s.counts.apply).toBe(4)

  // Store back: the next probe closes the circuit and decisions come from the store again.
  s.setFault('none')
  await sleep(100)
  const probe = await limiter.limit('k')
  expect(probe.degraded).toBeUndefined()
  const after = await Promise.all(Array.from({ length: 10 }, () => limiter.limit('k')))
  expect(after.every((d) => d.degraded === undefined && d.allowed)).toBe(true)
  expect(s.counts.apply).toBe(5 + 10)
})

it('one probe at a time while half-open: a hanging probe holds the others on the policy', async () => {
  const s = testStore()
  stores.push(s)
  const limiter = createRateLimiter({
    store: s.store,
    algorithm,
    onStoreError: 'allow',
    timeoutMs: 150,
    circuitBreaker: { failures: 1, coolDownMs: 20 },
  })
  s.setFault('fail')
  await limiter.limit('k')
  await sleep(30)
  s.setFault('hang')
  const probe = limiter.limit('k')
  const others = await Promise.all(Array.from({ length: 20 }, () => limiter.limit('k')))
  expect(others.every((d) => d.allowed && d.degraded?.reason === 'circuit-open')).toBe(true)
  expect(s.counts.apply).toBe(2)
  expect((await probe).degraded?.reason).toBe('timeout')
})

it('without a policy an open circuit rejects at once with CircuitOpenError, a StoreError', async () => {
  const s = testStore()
  stores.push(s)
  const limiter = createRateLimiter({
    store: s.store,
    algorithm,
    circuitBreaker: { failures: 2, coolDownMs: 1000 },
  })
  s.setFault('fail')
  await expect(limiter.limit('k')).rejects.toBeInstanceOf(StoreError)
  await expect(limiter.limit('k')).rejects.toBeInstanceOf(StoreError)
  // "At once": settled before any timer can fire, whatever the load, so it never waited on the store.
  const error = await Promise.race([limiter.limit('k').catch((e: unknown) => e), sleep(0, 'waited')])
  expect(error).toBeInstanceOf(CircuitOpenError)
  expect(error).toBeInstanceOf(StoreError)
  expect(s.counts.apply).toBe(2)
})

it('circuitBreaker: false keeps calling the store on every call', async () => {
  const s = testStore()
  stores.push(s)
  const limiter = createRateLimiter({
    store: s.store,
    algorithm,
    onStoreError: 'deny',
    circuitBreaker: false,
  })
  s.setFault('fail')
  for (let i = 0; i < 20; i++) await limiter.limit('k')
  expect(s.counts.apply).toBe(20)
})
