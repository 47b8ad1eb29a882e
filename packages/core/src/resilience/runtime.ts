// Core has no Node or DOM types (it runs on edge runtimes too): the few globals it needs, typed here.

interface Runtime {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  performance?: { now(): number }
}

const runtime = globalThis as unknown as Runtime

/** Monotonic milliseconds (`performance.now()`), or `Date.now()` where there is no `performance`. */
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

/** `console.warn` where the runtime has a console; nothing where it has none. */
export function warn(message: string): void {
  ;(globalThis as { console?: { warn?: (message: string) => void } }).console?.warn?.(message)
}
