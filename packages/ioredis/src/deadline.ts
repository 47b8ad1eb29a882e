import { SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import type { Cluster, Redis } from 'ioredis'

/**
 * Runs `work` with a deadline: settles within `timeoutMs` with its result, a `StoreTimeoutError`,
 * or a `StoreError` carrying the client's error as `cause`. The work goes on after a timeout
 * (ioredis may hold the command in its offline queue); its outcome is then dropped, handled,
 * so it can never become an unhandled rejection.
 */
export function withDeadline<T>(
  client: Redis | Cluster,
  timeoutMs: number,
  operation: string,
  work: () => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      reject(
        new StoreTimeoutError(
          `ioredis store: ${operation} got no answer from Redis within ${timeoutMs} ms (client status: ${client.status}); check that Redis is reachable, or raise timeoutMs`,
        ),
      )
    }, timeoutMs)
    let pending: Promise<T>
    try {
      pending = work()
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => {
        if (settled) return
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        if (settled) return
        clearTimeout(timer)
        reject(asStoreError(error, operation))
      },
    )
  })
}

function asStoreError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  return new StoreError(`ioredis store: ${operation} failed: ${text}`, { cause: error })
}
