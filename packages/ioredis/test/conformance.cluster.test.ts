import { describeStore } from '@sluice/store-conformance'
import { ioredisStore } from '../src/index.ts'
import { clusterClient } from './support/clients.ts'

const client = clusterClient()
const options = { timeoutMs: 30_000, numRuns: 25 } as const
describeStore('ioredis on Cluster, controlled clock', () => ioredisStore({ client }), options)
describeStore('ioredis on Cluster, server clock', () => ioredisStore({ client }), {
  ...options,
  time: 'store',
})
describeStore('ioredis on Cluster, client clock', () => ioredisStore({ client, clock: 'client' }), {
  ...options,
  time: 'store',
})
