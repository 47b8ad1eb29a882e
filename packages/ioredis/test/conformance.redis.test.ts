import { describeStore } from '@sluice/store-conformance'
import { ioredisStore } from '../src/index.ts'
import { redisClient } from './support/clients.ts'

const client = redisClient()
const options = { timeoutMs: 30_000, numRuns: 25 } as const
describeStore('ioredis on Redis, controlled clock', () => ioredisStore({ client }), options)
describeStore('ioredis on Redis, server clock', () => ioredisStore({ client }), { ...options, time: 'store' })
describeStore('ioredis on Redis, client clock', () => ioredisStore({ client, clock: 'client' }), {
  ...options,
  time: 'store',
})
