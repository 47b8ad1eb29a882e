import { SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import { createStoreDeadlines, type StoreDeadlines } from '@sluice/core/store'
import type { Cluster, Redis } from 'ioredis'

/**
 * The store's deadlines (core's shared machinery) with ioredis's messages. A timed-out command
 * goes on: ioredis may hold it in its offline queue and send it once reconnected.
 */
export function storeDeadlines(client: Redis | Cluster, timeoutMs: number): StoreDeadlines {
  return createStoreDeadlines({
    store: 'ioredis',
    timeoutMs,
    timeoutError: (operation) =>
      new StoreTimeoutError(
        `ioredis store: ${operation} got no answer from Redis within ${timeoutMs} ms (client status: ${client.status}); check that Redis is reachable, or raise timeoutMs`,
      ),
    storeError: asStoreError,
  })
}

function asStoreError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  return new StoreError(`ioredis store: ${operation} failed: ${text}`, { cause: error })
}
