import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'

// With enableAutoPipelining, ioredis batches the calls of one tick into one pipeline per node:
// each script still runs atomically, and composites of any size still land on their own slot.

const limits: Algorithm[] = [
  fixedWindow({ limit: 100, window: '1h' }),
  slidingLog({ limit: 100, window: '1h' }),
  slidingWindow({ limit: 100, window: '1h' }),
  tokenBucket({ capacity: 100, refillRate: 1, refillInterval: '1h' }),
  gcra({ rate: 100, period: '1h' }),
  leakyBucket({ capacity: 99, leakRate: 1, leakInterval: '1h' }),
]

const targets = [
  ['Redis', redisClient({ enableAutoPipelining: true })],
  ['the Cluster', clusterClient({ enableAutoPipelining: true })],
] as const

describe('auto-pipelining', () => {
  for (const [name, client] of targets) {
    it(`on ${name}: 1000 parallel calls per algorithm admit exactly 100, composites of 1 to 10 limits on many keys`, async () => {
      // Far above any stall of a loaded machine: this test is about pipelining, not deadlines.
      const store = ioredisStore({ client, prefix: randomPrefix('pipeline'), timeoutMs: 20_000 })
      for (const algorithm of limits) {
        // A still clock: on Redis TIME an hour boundary during the calls would admit past 100.
        const limiter = createRateLimiter({ store, algorithm, clock: () => 1_699_999_998_000 })
        const decisions = await Promise.all(Array.from({ length: 1000 }, () => limiter.limit('hot')))
        expect(decisions.filter((d) => d.allowed).length, algorithm.kind).toBe(100)
      }
      // Composites past the commands the store defines up front, mixed in one tick with single limits.
      const wide = Array.from({ length: 10 }, (_, i) => fixedWindow({ limit: 100 + i, window: '1h' }))
      const calls = Array.from({ length: 300 }, (_, i) => {
        const algorithm = wide.slice(0, 1 + (i % wide.length))
        return createRateLimiter({ store, algorithm }).limit(`key-${i % 30}`)
      })
      const results = await Promise.all(calls)
      expect(results.every((d) => d.allowed)).toBe(true)
    }, 120_000)
  }
})
