// SCRIPT FLUSH while calls are in flight, on one server and on the Cluster: GLIDE's invokeScript
// answers NOSCRIPT by loading the script again and retrying (the reason the store uses it rather
// than EVALSHA through customCommand, whose NOSCRIPT arrives as GLIDE's reworded RequestError); no call fails.
import { createRateLimiter, type Decision, fixedWindow, gcra, slidingLog, tokenBucket } from '@sluice/core'
import { type RedisAddress, redisCommand } from '@sluice/test-services'
import { describe, expect, inject, it } from 'vitest'
import { valkeyGlideStore } from '../src/index.ts'
import { glideClient, glideClusterClient, randomPrefix } from './support/clients.ts'

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
  for (const [where, servers] of [
    ['Redis', single],
    ['the Cluster', clusterMasters],
  ] as const) {
    it(`no call fails, on ${where}`, async () => {
      const client = where === 'Redis' ? await glideClient() : await glideClusterClient()
      const store = valkeyGlideStore({ client, prefix: randomPrefix('flush'), timeoutMs: 5000 })
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
})
