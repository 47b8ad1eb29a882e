/** The part of `AbortSignal` a shaping wait needs; a real `AbortSignal` fits. */
export interface AbortSignalLike {
  readonly aborted: boolean
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

// Looked up on every call (not captured at load), so the runtime's own timers are used and tests can spy.
const timers = globalThis as unknown as Timers

/**
 * Waits `ms` milliseconds unless `signal` aborts first. Resolves `true` when the wait ran out and
 * `false` when it was aborted (at once if it already was). Either way nothing is left behind: an
 * abort clears the timer, and a finished wait removes its abort listener.
 *
 * @example
 * const controller = new AbortController()
 * res.once('close', () => controller.abort())
 * if (!(await waitForTurn(decision.delayMs, controller.signal))) return // the client left
 */
export function waitForTurn(ms: number, signal?: AbortSignalLike): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onAbort = () => {
      timers.clearTimeout(handle)
      resolve(false)
    }
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
