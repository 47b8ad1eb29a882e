import type { Store } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { memoryStore } from '@sluice/memory'
import { Redis } from 'ioredis'

/** The memory store, or a Redis store when `redisUrl` is given; `close` releases the connection. */
export function storeFor(redisUrl: string | undefined): {
  store: Store
  label: string
  close(): Promise<void>
} {
  if (redisUrl === undefined || redisUrl === '') {
    return { store: memoryStore(), label: 'memory store', close: async () => {} }
  }
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  return {
    store: ioredisStore({ client, timeoutMs: 500 }),
    label: `Redis store at ${redisUrl}`,
    close: async () => {
      await client.quit().catch(() => client.disconnect())
    },
  }
}
