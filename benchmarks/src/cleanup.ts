/**
 * Everything a run starts that must not outlive it (servers, app processes, workers) registers its
 * stop here. A case stops what it started when it ends; on Ctrl-C, SIGTERM or a crash `main` runs
 * whatever is still registered (bounded in time), so no server or temp dir is left behind.
 *
 * @sluice/test-services adds two backstops of its own: an 'exit' hook that SIGKILLs its servers
 * and removes their dirs, and a watchdog shell per server that does the same if this process dies
 * by SIGKILL.
 */

type Stop = () => Promise<unknown> | unknown

const live = new Set<Stop>()

/**
 * Registers `stop` and returns a function that runs it once and unregisters it (what the case
 * calls when it is done with the resource).
 */
export function onCleanup(stop: Stop): () => Promise<void> {
  let done: Promise<void> | undefined
  const once: Stop = () => {
    done ??= Promise.resolve()
      .then(stop)
      .then(() => undefined)
    return done
  }
  live.add(once)
  return async () => {
    live.delete(once)
    await once()
  }
}

/** Stops everything still registered, newest first, giving up after `timeoutMs`. */
export async function cleanupAll(timeoutMs = 10_000): Promise<void> {
  const stops = [...live].reverse()
  live.clear()
  const all = Promise.allSettled(stops.map((stop) => Promise.resolve().then(stop)))
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  await Promise.race([all, timeout])
  clearTimeout(timer)
}
