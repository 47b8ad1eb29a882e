// The ioredis store's deadline errors: ioredis's messages, each failure a named sluice error.
import { SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import type { IoredisStoreClient } from './client.ts'

/**
 * The store's deadline errors with ioredis's messages. A timed-out command goes on: ioredis may
 * hold it in its offline queue and send it once reconnected.
 */
export function storeDeadlineErrors(
  client: IoredisStoreClient,
  timeoutMs: number,
): {
  timeoutError(operation: string): StoreTimeoutError
  storeError(error: unknown, operation: string): SluiceError
} {
  return {
    timeoutError: (operation: string) =>
      new StoreTimeoutError(
        `ioredis store: ${operation} got no answer from Redis within ${timeoutMs} ms (client status: ${client.status}); check that Redis is reachable, or raise timeoutMs`,
      ),
    storeError: asStoreError,
  }
}

function asStoreError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  return new StoreError(`ioredis store: ${operation} failed: ${text}`, { cause: error })
}
