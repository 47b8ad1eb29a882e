/**
 * Calls in flight: `lanes` async loops, each awaiting one decision at a time on the next key of a
 * precomputed sequence, timing each call. Used by every case that talks to a server.
 */

/** A growable array of latencies in milliseconds. */
export class Latencies {
  #values = new Float64Array(1 << 16)
  #length = 0

  add(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#length++] = ms
  }

  clear(): void {
    this.#length = 0
  }

  /** The recorded values (a view: valid until the next `add` or `clear`). */
  values(): Float64Array {
    return this.#values.subarray(0, this.#length)
  }
}

export type Stop = { readonly calls: number } | { readonly untilMs: number }

/**
 * Runs `lanes` async loops, each awaiting one decision at a time on the next key of `sequence`
 * (from `from` on, wrapping around), until `stop`: a number of calls, or a time (`performance.now()`)
 * after which each lane stops once its call has returned. Records each call's latency if asked.
 */
export async function drive(
  decide: (key: string) => Promise<boolean>,
  sequence: readonly string[],
  from: number,
  lanes: number,
  stop: Stop,
  latencies?: Latencies,
): Promise<{ calls: number; admitted: number }> {
  const maxCalls = 'calls' in stop ? stop.calls : Number.POSITIVE_INFINITY
  const untilMs = 'untilMs' in stop ? stop.untilMs : Number.POSITIVE_INFINITY
  let next = 0
  let admitted = 0
  const lane = async (): Promise<void> => {
    while (next < maxCalls) {
      const key = sequence[(from + next++) % sequence.length] as string
      const start = performance.now()
      if (await decide(key)) admitted++
      const end = performance.now()
      latencies?.add(end - start)
      if (end >= untilMs) return
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  return { calls: next, admitted }
}
