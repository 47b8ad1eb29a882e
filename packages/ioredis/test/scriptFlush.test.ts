import { createRateLimiter, type Decision, fixedWindow, gcra, slidingLog, tokenBucket } from '@sluice/core'
import type { Cluster, Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'

// SCRIPT FLUSH while calls are in flight: ioredis answers NOSCRIPT by sending the script again,
// and the store retries once more if a second flush races that; no call may fail.

const admin = redisClient()
const cases: [string, Redis | Cluster, () => Promise<unknown>][] = [
  ['Redis', redisClient(), () => admin.script('FLUSH')],
  ['Redis, auto-pipelined', redisClient({ enableAutoPipelining: true }), () => admin.script('FLUSH')],
]
const cluster = clusterClient({ enableAutoPipelining: true })
cases.push([
  'the Cluster, auto-pipelined',
  cluster,
  () => Promise.all(cluster.nodes('master').map((n) => n.script('FLUSH'))),
])

async function noscriptErrors(client: Redis | Cluster): Promise<number> {
  const nodes = 'nodes' in client ? client.nodes('master') : [client]
  let count = 0
  for (const node of nodes) {
    const info = await node.info('errorstats')
    count += Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0)
  }
  return count
}

describe('SCRIPT FLUSH in the middle of traffic', () => {
  for (const [name, client, flush] of cases) {
    it(`no call fails on ${name}`, async () => {
      const store = ioredisStore({ client, prefix: randomPrefix('flush'), timeoutMs: 5000 })
      const limiters = [
        fixedWindow({ limit: 1000, window: '1h' }),
        slidingLog({ limit: 1000, window: '1h' }),
        tokenBucket({ capacity: 1000, refillRate: 1 }),
        [gcra({ rate: 1000, period: '1h' }), fixedWindow({ limit: 900, window: '1m' })],
      ].map((algorithm) => createRateLimiter({ store, algorithm }))
      const before = await noscriptErrors('nodes' in client ? client : admin)
      const calls: Promise<Decision>[] = []
      for (let wave = 0; wave < 12; wave++) {
        for (let i = 0; i < 40; i++) {
          const limiter = limiters[i % limiters.length] as (typeof limiters)[number]
          calls.push(limiter.limit(`user-${i % 13}`))
          // Flush while this wave is being written and answered.
          if (i === 20) await flush()
        }
        await Promise.all(calls.slice(-40))
      }
      const results = await Promise.allSettled(calls)
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
      expect(results.every((r) => r.status === 'fulfilled' && r.value.allowed)).toBe(true)
      // The flushes really hit: the server answered NOSCRIPT at least once.
      expect(await noscriptErrors('nodes' in client ? client : admin)).toBeGreaterThan(before)
    }, 120_000)
  }
})
