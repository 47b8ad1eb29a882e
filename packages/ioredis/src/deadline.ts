import { createDeadlines, SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import type { Cluster, Redis } from 'ioredis'

/** Deadlines of one store's calls, on one shared timer, and the store's open/closed state. */
export interface StoreDeadlines {
  /**
   * Runs `work` with a deadline: settles within `timeoutMs` with its result, a `StoreTimeoutError`,
   * or a `StoreError` carrying the client's error as `cause`. The work goes on after a timeout
   * (ioredis may hold the command in its offline queue); its outcome is then dropped, handled,
   * so it can never become an unhandled rejection.
   */
  run<T>(operation: string, work: () => Promise<T>): Promise<T>
  /** Lets pending calls settle (within `timeoutMs`), then stops the timer; later calls reject. */
  close(): Promise<void>
}

export function storeDeadlines(client: Redis | Cluster, timeoutMs: number): StoreDeadlines {
  // Every call has the same timeout, so one timer serves them all (no setTimeout per call).
  const deadlines = createDeadlines(timeoutMs)
  let closed = false
  let closing: Promise<void> | undefined
  return {
    run<T>(operation: string, work: () => Promise<T>): Promise<T> {
      if (closed) {
        return Promise.reject(
          new StoreError(`ioredis store: ${operation} after store.close(); create a new store to go on`),
        )
      }
      let pending: Promise<T>
      try {
        pending = work()
      } catch (error) {
        pending = Promise.reject(error)
      }
      const timeoutError = () =>
        new StoreTimeoutError(
          `ioredis store: ${operation} got no answer from Redis within ${timeoutMs} ms (client status: ${client.status}); check that Redis is reachable, or raise timeoutMs`,
        )
      return deadlines.race(pending, timeoutError, (error) => asStoreError(error, operation))
    },
    close() {
      closed = true
      closing ??= deadlines.idle().then(() => deadlines.stop())
      return closing
    },
  }
}

function asStoreError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  return new StoreError(`ioredis store: ${operation} failed: ${text}`, { cause: error })
}
