import { createRateLimiter, gcra } from '@sluice/core'
import { type RedisCluster, startCluster, until } from '@sluice/test-services'
import { expectFailoverRecovery } from '@sluice/test-services/chaos'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, it } from 'vitest'
import { ioredisStore } from '../../src/index.ts'
import { closeQuietly } from '../support/clients.ts'

const TIMEOUT_MS = 300

let cluster: RedisCluster
let client: Cluster
beforeAll(async () => {
  cluster = await startCluster({ replicasPerMaster: 1 })
  client = new Cluster(cluster.nodes.slice(), {
    clusterRetryStrategy: () => 100,
    // Re-read the slot map often, so a promoted replica is found soon after the failover.
    slotsRefreshInterval: 500,
  })
  client.on('error', () => undefined)
  await until(() => client.status === 'ready', 10_000)
}, 120_000)
afterAll(async () => {
  await closeQuietly(client)
  await cluster?.stop()
})

// The breaker is one per limiter: with it, a dead master's bursts of timeouts open it for every key;
// without it, only keys on the dead master degrade, each waiting timeoutMs. Both are measured.
it.each([
  ['with', undefined],
  ['without', false as const],
])(
  'a Cluster master SIGKILLed under load (%s circuit breaker): calls settle by policy within timeoutMs, and decisions come from Redis again after the failover',
  async (variant, circuitBreaker) => {
    const store = ioredisStore({ client, timeoutMs: TIMEOUT_MS, prefix: `chaos:${Date.now()}:` })
    const limiter = createRateLimiter({
      store,
      algorithm: gcra({ rate: 1_000_000, period: '1s' }),
      onStoreError: 'allow',
      circuitBreaker,
    })
    await expectFailoverRecovery({
      label: `ioredis, ${variant} breaker`,
      cluster,
      master: variant === 'with' ? 0 : 1,
      limiter,
      closeStore: () => store.close(),
      timeoutMs: TIMEOUT_MS,
    })
  },
  90_000,
)
