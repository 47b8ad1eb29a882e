// node-redis v6 on a Cluster whose master is SIGKILLed under load: calls settle by policy within
// timeoutMs, and decisions come from Redis again once a replica took over.
import { createRateLimiter, gcra } from '@sluice/core'
import { type RedisCluster, startCluster } from '@sluice/test-services'
import { expectFailoverRecovery } from '@sluice/test-services/chaos'
import { afterAll, beforeAll, it } from 'vitest'
import { nodeRedisStore } from '../../src/index.ts'
import { closeQuietly, type TestCluster, V6 } from '../support/clients.ts'

const TIMEOUT_MS = 300

let cluster: RedisCluster
let client: TestCluster
beforeAll(async () => {
  cluster = await startCluster({ replicasPerMaster: 1 })
  client = V6.createCluster({
    rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
  })
  client.on('error', () => undefined)
  await client.connect()
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
    const store = nodeRedisStore({ client, timeoutMs: TIMEOUT_MS, prefix: `chaos:${Date.now()}:` })
    const limiter = createRateLimiter({
      store,
      algorithm: gcra({ rate: 1_000_000, period: '1s' }),
      onStoreError: 'allow',
      circuitBreaker,
    })
    await expectFailoverRecovery({
      label: `node-redis v6, ${variant} breaker`,
      cluster,
      master: variant === 'with' ? 0 : 1,
      limiter,
      closeStore: () => store.close(),
      timeoutMs: TIMEOUT_MS,
    })
  },
  90_000,
)
