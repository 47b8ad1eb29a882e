// The one global this package needs, typed here: it has no Node or DOM types (edge runtimes too).

interface Runtime {
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const runtime = globalThis as unknown as Runtime

/** An interval that does not keep a Node process alive on its own (`unref`), where that exists. */
export function backgroundInterval(callback: () => void, ms: number): unknown {
  const handle = runtime.setInterval(callback, ms)
  ;(handle as { unref?: () => void } | undefined)?.unref?.()
  return handle
}

export function stopInterval(handle: unknown): void {
  runtime.clearInterval(handle)
}
