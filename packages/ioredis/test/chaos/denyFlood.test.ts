import { createRateLimiter, type Store, tokenBucket } from '@sluice/core'
import { expect, it } from 'vitest'
import { ioredisStore } from '../../src/index.ts'
import { randomPrefix, redisClient } from '../support/clients.ts'

const client = redisClient()
const CALLS = 20_000
const KEYS = 100
const LIMIT = 10

/** The ioredis store, counting the calls that reach Redis. */
function counted(store: Store) {
  const counter = { calls: 0 }
  const wrapped: Store = {
    ...store,
    apply: (request) => {
      counter.calls++
      return store.apply(request)
    },
  }
  return { store: wrapped, counter }
}

async function flood(denyCache: boolean) {
  const { store, counter } = counted(ioredisStore({ client, prefix: randomPrefix('flood') }))
  const limiter = createRateLimiter({
    store,
    // A bucket refilled once an hour, not a fixed window: an hour boundary during the flood would
    // give every key a fresh limit (the test asserts exactly LIMIT per key).
    algorithm: tokenBucket({ capacity: LIMIT, refillRate: 1, refillInterval: '1h' }),
    denyCache,
  })
  let admitted = 0
  const started = performance.now()
  // 64 in flight, every key hammered far past its limit.
  for (let i = 0; i < CALLS; i += 64) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(64, CALLS - i) }, (_, j) => limiter.limit(`ip:${(i + j) % KEYS}`)),
    )
    admitted += batch.filter((d) => d.allowed).length
  }
  return { calls: counter.calls, admitted, ms: performance.now() - started }
}

it('under a flood of denied requests the deny cache cuts the calls that reach Redis, and admits exactly the same', async () => {
  const without = await flood(false)
  const withCache = await flood(true)
  console.info(
    `[deny flood] ${CALLS} calls on ${KEYS} keys (limit ${LIMIT}): Redis calls ${without.calls} without the cache, ` +
      `${withCache.calls} with it (${(without.calls / withCache.calls).toFixed(1)}× fewer); ` +
      `wall time ${Math.round(without.ms)} → ${Math.round(withCache.ms)} ms`,
  )
  expect(without.calls).toBe(CALLS)
  expect(withCache.admitted).toBe(without.admitted)
  expect(withCache.admitted).toBe(KEYS * LIMIT)
  // At most: the admitted calls, plus the denials in flight at once before the first one was remembered.
  expect(withCache.calls).toBeLessThan(KEYS * LIMIT + KEYS * 64)
  expect(withCache.calls).toBeLessThan(CALLS / 5)
}, 120_000)
