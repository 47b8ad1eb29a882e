// Reruns a controlled-clock check whose failure may come from real time lapsing a store's TTL, not from the store.

/**
 * The real time (ms) a controlled-clock run may take and still prove its failure. The suite moves
 * the limiter's clock by hand, but a store that expires keys on its own clock (Redis `PX`) counts
 * each TTL in real time: redis-scripts keeps a caller-timed state for its TTL plus 1 s (the grace
 * docs/writing-a-store.md asks of such stores), so a state can vanish before the suite's clock
 * reaches its TTL only when more than 1 s of real time separates its write from a later call. A
 * run shorter than this cannot have met that; a longer one (a stalled, loaded machine) might have.
 */
export const STALL_MS = 900

export interface StallGuard {
  /** The real clock runs are timed with. Default `Date.now` (what Redis expires keys by, too). */
  readonly realClock?: () => number
  /** Default `STALL_MS`. */
  readonly stallMs?: number
  /** Runs in all, the first included. Default 3. */
  readonly attempts?: number
}

/**
 * Runs `run` (which must use fresh keys each time); if it throws after taking longer than
 * `stallMs` of real time, runs it again, up to `attempts` runs in all. A failure in a run shorter
 * than `stallMs`, or in the last run, is thrown as it is. The same deterministic run is repeated,
 * so a store that decides wrongly fails every attempt: only a failure that real time alone could
 * cause, and that a prompt rerun does not repeat, is forgiven.
 *
 * @example
 * await despiteStalls(() => runTrace(h, specs, trace))
 */
export async function despiteStalls(run: () => Promise<void>, guard: StallGuard = {}): Promise<void> {
  const { realClock = Date.now, stallMs = STALL_MS, attempts = 3 } = guard
  for (let attempt = 1; ; attempt++) {
    const started = realClock()
    try {
      await run()
      return
    } catch (error) {
      if (attempt >= attempts || realClock() - started <= stallMs) throw error
    }
  }
}
