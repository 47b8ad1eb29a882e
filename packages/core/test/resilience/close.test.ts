import { expect, it } from 'vitest'
import { createRateLimiter, fixedWindow, StoreError } from '../../src/index.ts'
import { now, settledWithin, sleep, testStore } from './support.ts'

const algorithm = fixedWindow({ limit: 1, window: '1m' })

it('close() lets pending calls settle, then later calls and resets reject with a StoreError', async () => {
  const s = testStore()
  const limiter = createRateLimiter({ store: s.store, algorithm, timeoutMs: 80, onStoreError: 'deny' })
  s.setFault('hang')
  const pending = Array.from({ length: 10 }, (_, i) => limiter.limit(`k${i}`))
  const started = now()
  await limiter.close()
  // Every pending call had settled (by its deadline) when close() resolved.
  const settled = await Promise.race([Promise.all(pending).then(() => 'settled'), sleep(10, 'pending')])
  expect(settled).toBe('settled')
  expect(now() - started).toBeLessThan(settledWithin(80))
  await expect(limiter.limit('k')).rejects.toBeInstanceOf(StoreError)
  await expect(limiter.reset('k')).rejects.toThrow(/closed/)
  await limiter.close()
  s.release()
})

it('close() on a limiter over an in-process store resolves at once', async () => {
  const s = testStore({ sync: true })
  const limiter = createRateLimiter({ store: s.store, algorithm })
  await limiter.limit('k')
  await limiter.close()
  await expect(limiter.peek('k')).rejects.toThrow(/limiter.close\(\)/)
})
