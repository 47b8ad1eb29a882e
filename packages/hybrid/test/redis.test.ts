// hybridStore over ioredisStore on the shared redis-server and Cluster: the merges are real Lua
// script calls, every admitted unit reaches Redis, and several instances stay within the bound.

import { fixedWindow, tokenBucket } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import type {} from '@sluice/test-services/vitest'
import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { hybridStore } from '../src/index.ts'

const T0 = 1_700_000_000_000
// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
const single = new Redis(inject('redisUrl'))
const cluster = new Cluster(inject('clusterNodes'))
afterAll(async () => {
  single.disconnect()
  cluster.disconnect()
})

const key = (area: string) => `hybrid:${area}:${Math.random().toString(36).slice(2, 10)}`

for (const [name, client] of [
  ['one redis-server', single],
  ['the Cluster', cluster],
] as const) {
  describe(`hybridStore over ioredisStore on ${name}`, () => {
    it('merges every admitted unit into Redis, and 4 instances stay within the bound', async () => {
      const shared = ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS })
      const limit = fixedWindow({ limit: 40, window: '1h' })
      const k = key('fw')
      const nodes = [0, 1, 2, 3].map(() =>
        hybridStore({ store: shared, instances: 4, syncIntervalMs: 10, clock: () => T0, timer: false }),
      )
      let admitted = 0
      for (let round = 0; round < 30; round++) {
        for (const node of nodes) {
          const [d] = await node.apply({ key: k, limits: [limit], cost: 1, consume: true, now: T0 + round })
          if (d?.allowed) admitted += 1
        }
      }
      await Promise.all(nodes.map((n) => n.close()))
      expect(admitted).toBeGreaterThanOrEqual(40)
      expect(admitted - 40).toBeLessThanOrEqual(4 * Math.ceil(40 / 4))
      // Redis counted all of them up to the limit: nothing admitted was lost on the way
      const [d] = await shared.apply({ key: k, limits: [limit], cost: 0, consume: false, now: T0 })
      expect(d?.remaining).toBe(0)
      await shared.close?.()
    })

    it("merges a token bucket's units exactly when they fit", async () => {
      const shared = ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS })
      const limit = tokenBucket({ capacity: 100, refillRate: 1, refillInterval: '1h' })
      const k = key('tb')
      const hybrid = hybridStore({
        store: shared,
        instances: 2,
        syncIntervalMs: '1h',
        clock: () => T0,
        timer: false,
      })
      for (let i = 0; i < 30; i++) {
        const [d] = await hybrid.apply({ key: k, limits: [limit], cost: 1, consume: true, now: T0 })
        expect(d?.allowed).toBe(true)
      }
      await hybrid.close()
      const [d] = await shared.apply({ key: k, limits: [limit], cost: 0, consume: false, now: T0 })
      expect(d?.remaining).toBe(70)
      expect(hybrid.stats().storeCalls).toBeLessThan(30)
      await shared.close?.()
    })
  })
}
