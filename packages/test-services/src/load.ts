// The load of the Redis stores' chaos tests: workers keeping calls in flight, every call recorded.

/** What the load calls: a sluice limiter (typed by shape: this package does not depend on core). */
export interface LoadedLimiter {
  limit(key: string): Promise<{ readonly allowed: boolean; readonly degraded?: { readonly reason: string } }>
}

/** One call as the load saw it; times in ms from `performance.now()`. */
export interface CallRecord {
  readonly key: string
  readonly start: number
  readonly end: number
  readonly allowed: boolean
  /** `undefined` when the store decided; else why the policy answered. */
  readonly degraded: string | undefined
  /** Set when the call rejected (it must not, with a policy). */
  readonly error?: unknown
}

/**
 * Keeps `workers` calls in flight on `keys` keys until `stop()`, recording every call. Under a
 * failure policy no call may reject; a rejection is recorded, not thrown, so the test can say so.
 */
export function startLoad(limiter: LoadedLimiter, options: { workers: number; keys: number }) {
  const records: CallRecord[] = []
  let running = true
  const worker = async (w: number) => {
    let i = w
    while (running) {
      // Denials from the deny cache resolve in a microtask: let timers and sockets run too.
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve))
      const key = `k${i++ % options.keys}`
      const start = performance.now()
      try {
        const d = await limiter.limit(key)
        records.push({ key, start, end: performance.now(), allowed: d.allowed, degraded: d.degraded?.reason })
      } catch (error) {
        records.push({ key, start, end: performance.now(), allowed: false, degraded: 'rejected', error })
        // Never spin: a rejecting limiter would otherwise starve the event loop.
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
  }
  const done = Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)))
  return {
    records,
    async stop() {
      running = false
      await done
    },
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Largest call latency among `records`, in whole ms. */
export const worstLatency = (records: readonly CallRecord[]) =>
  // A loop, not Math.max(...records): a quiet machine makes more records than the stack holds.
  Math.ceil(records.reduce((worst, r) => Math.max(worst, r.end - r.start), 0))

/** Whether a call begun after `from` has ended: records are added as calls end, so from the last back. */
export function endedSince(records: readonly CallRecord[], from: number): boolean {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as CallRecord
    if (r.start > from) return true
    if (r.end < from) return false
  }
  return false
}

/** Resolves when `test` is true, polling every `everyMs`, or rejects after `withinMs`. */
export async function until(test: () => boolean, withinMs: number, everyMs = 10): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`)
    await sleep(everyMs)
  }
}
