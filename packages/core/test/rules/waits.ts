// Waiting for a rules watcher: bounded for a hang (30 s), never for speed; file events and reads take what a loaded machine gives them.

/** How long a wait may take before it fails: a hang, not slowness. */
export const WAIT_MS = 30_000

/** Resolves once `predicate` holds, polling every 10 ms; fails after `ms`. */
export async function until(predicate: () => boolean, ms = WAIT_MS): Promise<void> {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting for the reload')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** `until` for tests whose setTimeout is faked: polls on setImmediate, which stays real. */
export async function settle(predicate: () => boolean): Promise<void> {
  const end = Date.now() + WAIT_MS
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting for the watcher')
    await new Promise((resolve) => setImmediate(resolve))
  }
}
