// iovalkey (Valkey's fork of ioredis) through the ioredis store, on the shared redis-server and the
// 3-master Cluster: the store conformance suite's controlled-clock run, SCRIPT FLUSH recovery, and
// its client type accepted as it is (tsc checks this file). No valkey-server installs here.
import { createRateLimiter, type Decision, fixedWindow, gcra, tokenBucket } from '@sluice/core'
import { describeStore } from '@sluice/store-conformance'
import type {} from '@sluice/test-services/vitest'
import Valkey, { Cluster } from 'iovalkey'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { type IoredisStoreOptions, ioredisStore } from '../src/index.ts'
import { randomPrefix } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

const client = new Valkey(inject('redisUrl'))
const cluster = new Cluster(inject('clusterNodes'))
const admin = new Valkey(inject('redisUrl'))
afterAll(() => {
  for (const c of [client, cluster, admin]) c.disconnect()
})

// The client types as iovalkey declares them: no cast.
const single: IoredisStoreOptions = { client, timeoutMs: SLOW_MACHINE_MS }
const onCluster: IoredisStoreOptions = { client: cluster, timeoutMs: SLOW_MACHINE_MS }

const options = { timeoutMs: 120_000, numRuns: 25 } as const
describeStore('ioredis store with iovalkey, on Redis', () => ioredisStore(single), options)
describeStore('ioredis store with iovalkey, on Cluster', () => ioredisStore(onCluster), options)

describe('iovalkey through the ioredis store', () => {
  it('SCRIPT FLUSH in the middle of traffic: no call fails', async () => {
    const store = ioredisStore({ client, prefix: randomPrefix('iovalkey'), timeoutMs: 5000 })
    const limiters = [
      fixedWindow({ limit: 1000, window: '1h' }),
      tokenBucket({ capacity: 1000, refillRate: 1 }),
      [gcra({ rate: 1000, period: '1h' }), fixedWindow({ limit: 900, window: '1m' })],
    ].map((algorithm) => createRateLimiter({ store, algorithm }))
    const calls: Promise<Decision>[] = []
    for (let wave = 0; wave < 6; wave++) {
      for (let i = 0; i < 30; i++) {
        calls.push((limiters[i % limiters.length] as (typeof limiters)[number]).limit(`user-${i % 7}`))
        if (i === 15) await admin.script('FLUSH')
      }
      await Promise.all(calls.slice(-30))
    }
    const results = await Promise.allSettled(calls)
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(results.every((r) => r.status === 'fulfilled' && r.value.allowed)).toBe(true)
  })

  it('batches a turn on the Cluster per master, through the slot table iovalkey keeps as ioredis does', async () => {
    const store = ioredisStore({
      client: cluster,
      prefix: randomPrefix('iovalkey'),
      timeoutMs: SLOW_MACHINE_MS,
    })
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 3, window: '1h' }) })
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.limit(`k${i % 8}`)))
    // 8 keys × 5 calls, in issue order: the first 3 calls of each key admitted, the rest denied.
    expect(decisions.map((d) => d.allowed)).toEqual(Array.from({ length: 40 }, (_, i) => i < 24))
    expect(cluster.slots.length).toBe(16384)
  })
})
