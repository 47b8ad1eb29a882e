import { describeBinding, STORE_AREAS } from '@sluice/binding-conformance'
import { ioredisStore } from '@sluice/ioredis'
import type {} from '@sluice/test-services/vitest'
import { Redis } from 'ioredis'
import { afterAll, inject } from 'vitest'
import { guardAdapter, moduleAdapter } from './support/adapter.ts'

// The areas whose answers the store makes, on the shared redis-server; faults from a Redis that is down.
const client = new Redis(inject('redisUrl'))
const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
down.on('error', () => undefined)
afterAll(() => {
  client.disconnect()
  down.disconnect()
})

const stores = {
  // Far above any stall of a loaded machine: these tests are about HTTP, not deadlines.
  store: () => ioredisStore({ client, timeoutMs: 20_000 }),
  faultyStore: () => ioredisStore({ client: down, timeoutMs: 500 }),
  areas: STORE_AREAS,
}
describeBinding('Nest on Express on Redis: rateLimit() guard', guardAdapter('express'), stores)
describeBinding('Nest on Fastify on Redis: SluiceModule + @RateLimit', moduleAdapter('fastify'), stores)
