// SCRIPT FLUSH while calls are in flight, on every major, on one server and on the Cluster: the
// store answers NOSCRIPT by sending the script itself (EVAL, which caches it again); no call fails.
import { createRateLimiter, type Decision, fixedWindow, gcra, slidingLog, tokenBucket } from '@sluice/core'
import { type RedisAddress, redisCommand } from '@sluice/test-services'
import { describe, expect, inject, it } from 'vitest'
import { nodeRedisStore } from '../src/index.ts'
import { clusterClient, MAJORS, randomPrefix, redisClient } from './support/clients.ts'

const single: RedisAddress[] = [
  (() => {
    const url = new URL(inject('redisUrl'))
    return { host: url.hostname, port: Number(url.port) }
  })(),
]
const clusterMasters: RedisAddress[] = inject('clusterNodes')

async function noscriptErrors(servers: readonly RedisAddress[]): Promise<number> {
  let count = 0
  for (const server of servers) {
    const info = String(await redisCommand(server, ['INFO', 'errorstats']))
    count += Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0)
  }
  return count
}

const flush = (servers: readonly RedisAddress[]) =>
  Promise.all(servers.map((server) => redisCommand(server, ['SCRIPT', 'FLUSH'])))

describe('SCRIPT FLUSH in the middle of traffic', () => {
  for (const major of MAJORS) {
    for (const [where, servers] of [
      ['Redis', single],
      ['the Cluster', clusterMasters],
    ] as const) {
      it(`no call fails, node-redis ${major.name} on ${where}`, async () => {
        const client = where === 'Redis' ? await redisClient(major) : await clusterClient(major)
        const store = nodeRedisStore({ client, prefix: randomPrefix('flush'), timeoutMs: 5000 })
        const limiters = [
          fixedWindow({ limit: 1000, window: '1h' }),
          slidingLog({ limit: 1000, window: '1h' }),
          tokenBucket({ capacity: 1000, refillRate: 1 }),
          [gcra({ rate: 1000, period: '1h' }), fixedWindow({ limit: 900, window: '1m' })],
        ].map((algorithm) => createRateLimiter({ store, algorithm }))
        const before = await noscriptErrors(servers)
        const calls: Promise<Decision>[] = []
        for (let wave = 0; wave < 12; wave++) {
          for (let i = 0; i < 40; i++) {
            const limiter = limiters[i % limiters.length] as (typeof limiters)[number]
            calls.push(limiter.limit(`user-${i % 13}`))
            // Flush while this wave is being written and answered.
            if (i === 20) await flush(servers)
          }
          await Promise.all(calls.slice(-40))
        }
        const results = await Promise.allSettled(calls)
        expect(results.filter((r) => r.status === 'rejected')).toEqual([])
        expect(results.every((r) => r.status === 'fulfilled' && r.value.allowed)).toBe(true)
        // The flushes really hit: the servers answered NOSCRIPT at least once.
        expect(await noscriptErrors(servers)).toBeGreaterThan(before)
      })
    }
  }
})
