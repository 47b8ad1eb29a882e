import { createDeadlines, StoreError, StoreTimeoutError } from '@sluice/core'
import { toStoreError } from './errors.ts'

/** Deadlines of one store's calls, on one shared timer, and the store's open/closed state. */
export interface StoreDeadlines {
  /**
   * Runs `work` with a deadline: settles within `timeoutMs` with its result, a `StoreTimeoutError`,
   * or a `StoreError` saying what failed (the client's error as `cause`). `@upstash/redis` has no
   * per-command abort, so the request goes on after a timeout (the client may also be retrying a
   * failed fetch); its outcome is then dropped, handled, so it never becomes an unhandled rejection.
   */
  run<T>(operation: string, work: () => Promise<T>): Promise<T>
  /** Lets pending calls settle (within `timeoutMs`), then stops the timer; later calls reject. */
  close(): Promise<void>
}

/** `secret`: the client's token, cut out of every message. */
export function storeDeadlines(timeoutMs: number, secret: string | undefined): StoreDeadlines {
  // Every call has the same timeout, so one timer serves them all (no setTimeout per call). Core's
  // timers are the runtime's globals: nothing from 'node:timers', so edge runtimes work too.
  const deadlines = createDeadlines(timeoutMs)
  let closed = false
  let closing: Promise<void> | undefined
  return {
    run<T>(operation: string, work: () => Promise<T>): Promise<T> {
      if (closed) {
        return Promise.reject(
          new StoreError(`upstash store: ${operation} after store.close(); create a new store to go on`),
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
          `upstash store: ${operation} got no answer within ${timeoutMs} ms; check that the Upstash URL is reachable (the client retries failed requests, see its retry option), or raise timeoutMs`,
        )
      return deadlines.race(pending, timeoutError, (error) => toStoreError(error, operation, secret))
    },
    close() {
      closed = true
      closing ??= deadlines.idle().then(() => deadlines.stop())
      return closing
    },
  }
}
