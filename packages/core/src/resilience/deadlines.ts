import { backgroundTimer, clearTimer, monotonicNow } from './runtime.ts'

/**
 * Deadlines for calls that all share one timeout, on one timer. Every call gets the same
 * `timeoutMs`, so deadlines come in the order calls start: a FIFO queue, whose head is always the
 * next to expire. The timer is armed only for the head, so a call costs an array push, not a
 * `setTimeout`; settled calls stay queued until they reach the head and are then skipped.
 */
export interface Deadlines {
  /**
   * Settles with `pending`'s outcome, or rejects with `timeoutError()` once `timeoutMs` has passed.
   * A late outcome is dropped, handled, so it can never become an unhandled rejection. `mapError`
   * turns a failure of `pending` into the error to reject with.
   */
  race<T>(pending: Promise<T>, timeoutError: () => Error, mapError?: (error: unknown) => unknown): Promise<T>
  /** Calls started and not settled yet. */
  readonly pending: number
  /** Resolves once no call is pending (at once if none is): each settles within `timeoutMs`. */
  idle(): Promise<void>
  /** Stops the timer now; only call it once nothing is pending. */
  stop(): void
}

interface Entry {
  readonly at: number
  done: boolean
  readonly expire: () => void
}

const now = monotonicNow

/**
 * @example
 * const deadlines = createDeadlines(300)
 * const reply = await deadlines.race(fetchSomething(), () => new StoreTimeoutError('no answer in 300 ms'))
 */
export function createDeadlines(timeoutMs: number): Deadlines {
  const queue: Entry[] = []
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

  function arm(at: number): void {
    if (timer !== undefined && armedAt <= at) return
    if (timer !== undefined) clearTimer(timer)
    armedAt = at
    // A deadline must not keep a process alive on its own: the call it guards does, if it should.
    timer = backgroundTimer(fire, Math.max(0, Math.ceil(at - now())))
  }

  function fire(): void {
    timer = undefined
    armedAt = Number.POSITIVE_INFINITY
    const t = now()
    while (head < queue.length) {
      const entry = queue[head] as Entry
      if (!entry.done && entry.at > t) break
      head++
      if (!entry.done) entry.expire()
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
      pending: Promise<T>,
      timeoutError: () => Error,
      mapError?: (error: unknown) => unknown,
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: Entry = {
          at: now() + timeoutMs,
          done: false,
          expire: () => {
            settled(entry)
            reject(timeoutError())
          },
        }
        queue.push(entry)
        live++
        if (timer === undefined) arm(entry.at)
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
