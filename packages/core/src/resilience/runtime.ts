// Core has no Node or DOM types (it runs on edge runtimes too): the few globals it needs, typed here,
// and the abortable wait built on them.

interface Runtime {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  performance?: { now(): number }
}

const runtime = globalThis as unknown as Runtime

/**
 * Monotonic milliseconds (`performance.now()`), or `Date.now()` where there is no `performance`.
 * The global is read per call (an accessor in Node, ~10 ns): fake timers replace it.
 */
export const monotonicNow: () => number =
  runtime.performance !== undefined
    ? () => (runtime.performance as { now(): number }).now()
    : () => Date.now()

/** A timer that does not keep a Node process alive on its own (`unref`), where that exists. */
export function backgroundTimer(callback: () => void, ms: number): unknown {
  const handle = runtime.setTimeout(callback, ms)
  ;(handle as { unref?: () => void } | undefined)?.unref?.()
  return handle
}

export function clearTimer(handle: unknown): void {
  runtime.clearTimeout(handle)
}

/** The part of `AbortSignal` a wait needs; a real `AbortSignal` fits. */
export interface AbortSignalLike {
  readonly aborted: boolean
  /** Why it was aborted (an `AbortError` `DOMException` unless `abort(reason)` said otherwise). */
  readonly reason?: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

/**
 * Waits `ms` milliseconds unless `signal` aborts first. Resolves `true` when the wait ran out and
 * `false` when it was aborted (at once if it already was). Either way nothing is left behind: an
 * abort clears the timer, and a finished wait removes its abort listener. The timer is not
 * unref'd: a wait someone awaits keeps the process alive, as any sleep does.
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
      runtime.clearTimeout(handle)
      resolve(false)
    }
    // Looked up on every call (not captured at load), so the runtime's own timers are used and tests can spy.
    const handle = runtime.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `console.warn` where the runtime has a console; nothing where it has none. */
export function warn(message: string): void {
  ;(globalThis as { console?: { warn?: (message: string) => void } }).console?.warn?.(message)
}
