// The one owner of "a call to the store with a deadline": every store and every limiter runs its
// store calls through createStoreDeadlines, so deadlines, late outcomes and close() work alike.
import { MAX_TIMER_MS, parseDuration } from '../duration.ts'
import { type SluiceError, StoreError, StoreTimeoutError } from '../errors.ts'
import { backgroundTimer, clearTimer, monotonicNow } from './runtime.ts'

/**
 * Calls to one store, each with the same deadline, all on one timer, and closable. Nothing here
 * throws synchronously: every failure is a rejected promise.
 */
export interface StoreDeadlines {
  /**
   * Runs `work`: settles with its result, with `storeError` of its failure (a synchronous throw
   * included), or with `timeoutError` once `timeoutMs` has passed. The work itself goes on after a
   * timeout (clients queue or retry commands); its late outcome is dropped, handled, so it can
   * never become an unhandled rejection. After `close()` it rejects at once with `closedError`.
   */
  run<T>(operation: string, work: () => T | PromiseLike<T>): Promise<T>
  /** Calls started and not settled yet. */
  readonly pending: number
  /** True once `close()` was called. */
  readonly closed: boolean
  /** Lets pending calls settle (each within `timeoutMs`), then stops the timer; later calls reject. Idempotent. */
  close(): Promise<void>
}

export interface StoreDeadlineOptions {
  /** The store's name in messages: `'ioredis'`, `'upstash'`. */
  readonly store: string
  /** The deadline of every call; `undefined` for none (a store that settles every call itself). */
  readonly timeoutMs: number | undefined
  /** The error for an `operation` that got no answer within `timeoutMs`. Default: a `StoreTimeoutError` saying so. */
  timeoutError?(operation: string): StoreTimeoutError
  /** The error to reject with for a failure of the work. Default: the failure as it is. */
  storeError?(error: unknown, operation: string): unknown
  /** The error for a call after `close()`. Default: a `StoreError` saying to create a new store. */
  closedError?(operation: string): SluiceError
}

/**
 * The deadline machinery every store and every limiter shares. Every call has the same timeout,
 * so one timer serves them all: no `setTimeout` per call, and only the runtime's global timers,
 * so edge runtimes work too. Without `timeoutMs` it arms no timer at all and only tracks pending
 * calls for `close()`.
 *
 * @example
 * const deadlines = createStoreDeadlines({ store: 'mystore', timeoutMs: 500 })
 * const reply = await deadlines.run('apply', () => client.send(command))
 * await deadlines.close() // in the store's close()
 */
export function createStoreDeadlines(options: StoreDeadlineOptions): StoreDeadlines {
  const { store, timeoutMs } = options
  const timeoutError =
    options.timeoutError ??
    ((operation: string) =>
      new StoreTimeoutError(
        `${store} store: ${operation} got no answer within ${timeoutMs} ms; check that the store is reachable, or raise timeoutMs`,
      ))
  const closedError =
    options.closedError ??
    ((operation: string) =>
      new StoreError(`${store} store: ${operation} after store.close(); create a new store to go on`))
  const deadlines = createDeadlines(timeoutMs ?? Number.POSITIVE_INFINITY)
  const storeError = options.storeError
  // Each operation's two error makers, made once: a call then allocates no closure for them.
  const byOperation = new Map<string, { timeout: () => Error; map?: (error: unknown) => unknown }>()
  const errorsOf = (operation: string) => {
    let errors = byOperation.get(operation)
    if (errors === undefined) {
      errors = { timeout: () => timeoutError(operation) }
      if (storeError !== undefined) errors.map = (error) => storeError(error, operation)
      byOperation.set(operation, errors)
    }
    return errors
  }
  let closing: Promise<void> | undefined
  return {
    run<T>(operation: string, work: () => T | PromiseLike<T>): Promise<T> {
      if (closing !== undefined) return Promise.reject(closedError(operation))
      let pending: Promise<T>
      try {
        // A native promise comes back as it is; a value (an in-process answer) is wrapped.
        pending = Promise.resolve(work())
      } catch (error) {
        pending = Promise.reject(error)
      }
      const errors = errorsOf(operation)
      return deadlines.race(pending, errors.timeout, errors.map)
    },
    get pending() {
      return deadlines.pending
    },
    get closed() {
      return closing !== undefined
    },
    close() {
      closing ??= deadlines.idle().then(() => deadlines.stop())
      return closing
    },
  }
}

/**
 * A network store's `timeoutMs` option (default 1000) for `factory` (`'ioredisStore'`): the one
 * duration rule (`'300ms'` or 300), greater than 0 and at most `MAX_TIMER_MS`.
 * @example storeTimeoutMs(options.timeoutMs, 'ioredisStore') // 1000 when not given
 */
export function storeTimeoutMs(value: unknown, factory: string): number {
  return timerDuration(value ?? 1000, `${factory}: timeoutMs`)
}

/**
 * A deadline or cool-down: the one duration rule (`parseDuration`), greater than 0 and at most
 * `MAX_TIMER_MS`, as a `ConfigError` naming `name`.
 * @example timerDuration('300ms', 'ioredisStore: timeoutMs') // 300
 */
export function timerDuration(value: unknown, name: string): number {
  return parseDuration(value, name, { max: MAX_TIMER_MS })
}

/**
 * Deadlines for calls that all share one timeout, on one timer: the queue under
 * {@link createStoreDeadlines}. Every call gets the same `timeoutMs`, so deadlines come in the
 * order calls start: a FIFO queue, whose head is always the next to expire. The timer is armed
 * only for the head, so a call costs an array push, not a `setTimeout`; settled calls stay queued
 * until they reach the head and are then skipped.
 */
export interface Deadlines {
  /**
   * Settles with `pending`'s outcome, or rejects with `timeoutError()` once `timeoutMs` has passed.
   * A late outcome is dropped, handled, so it can never become an unhandled rejection. `mapError`
   * turns a failure of `pending` into the error to reject with.
   */
  race<T>(
    pending: PromiseLike<T>,
    timeoutError: () => Error,
    mapError?: (error: unknown) => unknown,
  ): Promise<T>
  /** Calls started and not settled yet. */
  readonly pending: number
  /** Resolves once no call is pending (at once if none is): each settles within `timeoutMs`. */
  idle(): Promise<void>
  /** Stops the timer now; only call it once nothing is pending. */
  stop(): void
}

// Fields, not an `expire` closure: a call allocates the entry alone.
interface Entry {
  readonly at: number
  done: boolean
  readonly reject: (error: unknown) => void
  readonly timeoutError: () => Error
}

/**
 * The queue alone; a store or a limiter wants {@link createStoreDeadlines}. With `timeoutMs`
 * `Infinity` nothing is queued and no timer is armed.
 *
 * @example
 * const deadlines = createDeadlines(300)
 * const reply = await deadlines.race(fetchSomething(), () => new StoreTimeoutError('no answer in 300 ms'))
 */
export function createDeadlines(timeoutMs: number): Deadlines {
  const queue: Entry[] = []
  const timed = timeoutMs !== Number.POSITIVE_INFINITY
  let head = 0
  let live = 0
  let timer: unknown
  let armedAt = Number.POSITIVE_INFINITY
  let waiters: (() => void)[] = []

  function settled(entry: Entry): void {
    entry.done = true
    live--
    if (live === 0 && waiters.length > 0) {
      const wake = waiters
      waiters = []
      for (const w of wake) w()
    }
  }

  function expire(entry: Entry): void {
    settled(entry)
    entry.reject(entry.timeoutError())
  }

  function arm(at: number): void {
    if (timer !== undefined && armedAt <= at) return
    if (timer !== undefined) clearTimer(timer)
    armedAt = at
    // A deadline must not keep a process alive on its own: the call it guards does, if it should.
    timer = backgroundTimer(fire, Math.max(0, Math.ceil(at - monotonicNow())))
  }

  function fire(): void {
    timer = undefined
    armedAt = Number.POSITIVE_INFINITY
    const t = monotonicNow()
    while (head < queue.length) {
      const entry = queue[head] as Entry
      if (!entry.done && entry.at > t) break
      head++
      if (!entry.done) expire(entry)
    }
    if (head === queue.length) {
      queue.length = 0
      head = 0
    } else {
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head)
        head = 0
      }
      arm((queue[head] as Entry).at)
    }
  }

  return {
    race<T>(
      pending: PromiseLike<T>,
      timeoutError: () => Error,
      mapError?: (error: unknown) => unknown,
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Entry = { at: monotonicNow() + timeoutMs, done: false, reject, timeoutError }
        live++
        if (timed) {
          queue.push(entry)
          if (timer === undefined) arm(entry.at)
        }
        pending.then(
          (value) => {
            if (entry.done) return
            settled(entry)
            resolve(value)
          },
          (error: unknown) => {
            if (entry.done) return
            settled(entry)
            reject(mapError === undefined ? error : mapError(error))
          },
        )
      })
    },
    get pending() {
      return live
    },
    idle() {
      if (live === 0) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push(resolve))
    },
    stop() {
      if (timer !== undefined) clearTimer(timer)
      timer = undefined
      armedAt = Number.POSITIVE_INFINITY
      queue.length = 0
      head = 0
    },
  }
}
