// The store and the limiters the app's decorators name: made once, when the app is loaded.
import { createRateLimiter, fixedWindow, gcra, leakyBucket, type Store } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { memoryStore } from '@sluice/memory'
import { Redis } from 'ioredis'

const redisUrl = process.env.REDIS_URL
/** The Redis client when REDIS_URL is set (several app processes then share one budget). */
export const redis = redisUrl ? new Redis(redisUrl) : undefined
const store: Store = redis ? ioredisStore({ client: redis, prefix: 'sluice-example:' }) : memoryStore()

/** Every route: 100 requests per minute per client address, GCRA (one more every 0.6 s, bursts of 100). */
export const api = createRateLimiter({
  store,
  prefix: 'api',
  algorithm: gcra({ rate: 100, period: '1m', name: 'api' }),
})

/** 3 login attempts per 15 minutes per email. */
export const login = createRateLimiter({
  store,
  prefix: 'login',
  algorithm: fixedWindow({ limit: 3, window: '15m' }),
})

/** Shaped: 2 reports per second leave the queue and up to 2 wait, so no wait exceeds 1 s. */
export const reports = createRateLimiter({
  store,
  prefix: 'report',
  algorithm: leakyBucket({ capacity: 2, leakRate: 2, leakInterval: '1s', name: 'report' }),
})
