import { type SluiceError, StoreError, type StoreTimeoutError } from '../errors.ts'
import { createDeadlines } from './deadlines.ts'
import { timerDuration } from './options.ts'

/** Deadlines of one network store's calls, on one shared timer, and the store's open/closed state. */
export interface StoreDeadlines {
  /**
   * Runs `work` with a deadline: settles within `timeoutMs` with its result, the store's
   * `timeoutError`, or its `storeError` for a failure. The work itself goes on after a timeout
   * (clients queue or retry commands); its late outcome is dropped, handled, so it can never
   * become an unhandled rejection.
   */
  run<T>(operation: string, work: () => Promise<T>): Promise<T>
  /** Lets pending calls settle (within `timeoutMs`), then stops the timer; later calls reject. */
  close(): Promise<void>
}

export interface StoreDeadlineOptions {
  /** The store's name in messages: `'ioredis'`, `'upstash'`. */
  readonly store: string
  readonly timeoutMs: number
  /** The error for an `operation` that got no answer within `timeoutMs`. */
  timeoutError(operation: string): StoreTimeoutError
  /** The client's error, as the `SluiceError` to reject with. */
  storeError(error: unknown, operation: string): SluiceError
}

/**
 * The deadline machinery every network store shares (a store then states only its messages).
 * Every call has the same timeout, so one timer serves them all: no setTimeout per call, and only
 * the runtime's global timers, so edge runtimes work too.
 *
 * @example
 * const deadlines = createStoreDeadlines({ store: 'mystore', timeoutMs, timeoutError, storeError })
 * const reply = await deadlines.run('apply', () => client.send(command))
 */
export function createStoreDeadlines(options: StoreDeadlineOptions): StoreDeadlines {
  const { store, timeoutError, storeError } = options
  const deadlines = createDeadlines(options.timeoutMs)
  let closed = false
  let closing: Promise<void> | undefined
  return {
    run<T>(operation: string, work: () => Promise<T>): Promise<T> {
      if (closed) {
        return Promise.reject(
          new StoreError(`${store} store: ${operation} after store.close(); create a new store to go on`),
        )
      }
      let pending: Promise<T>
      try {
        pending = work()
      } catch (error) {
        pending = Promise.reject(error)
      }
      return deadlines.race(
        pending,
        () => timeoutError(operation),
        (error) => storeError(error, operation),
      )
    },
    close() {
      closed = true
      closing ??= deadlines.idle().then(() => deadlines.stop())
      return closing
    },
  }
}

/**
 * Validates a network store's `timeoutMs` option (default 1000) for `factory` (`'ioredisStore'`):
 * the one duration rule (`'300ms'` or 300), greater than 0 and at most `MAX_TIMER_MS`.
 * @example storeTimeoutMs(options.timeoutMs, 'ioredisStore') // 1000 when not given
 */
export function storeTimeoutMs(value: unknown, factory: string): number {
  return timerDuration(value ?? 1000, `${factory}: timeoutMs`)
}
