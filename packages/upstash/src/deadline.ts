import { StoreTimeoutError } from '@sluice/core'

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

// The runtime's own timers, looked up per call: no 'node:timers', so edge runtimes work too.
const timers = globalThis as unknown as Timers

/**
 * Runs `work` with a deadline: settles within `timeoutMs` with its result, a `StoreTimeoutError`,
 * or `work`'s error mapped by `toStoreError`. `@upstash/redis` has no per-command abort, so the
 * request goes on after a timeout (the client may also be retrying a failed fetch); its outcome
 * is then dropped, handled, so it can never become an unhandled rejection.
 */
export function withDeadline<T>(
  timeoutMs: number,
  operation: string,
  work: () => Promise<T>,
  toStoreError: (error: unknown) => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const timer = timers.setTimeout(() => {
      settled = true
      reject(
        new StoreTimeoutError(
          `upstash store: ${operation} got no answer within ${timeoutMs} ms; check that the Upstash URL is reachable (the client retries failed requests, see its retry option), or raise timeoutMs`,
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
        settled = true
        timers.clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        if (settled) return
        settled = true
        timers.clearTimeout(timer)
        reject(toStoreError(error))
      },
    )
  })
}
