import type { AlgorithmState } from '../algorithm.ts'

/** Outcome of one GCRA (virtual scheduling) step, shared by `gcra` and `leakyBucket`. */
export interface Schedule {
  readonly allowed: boolean
  /** Theoretical arrival time to store: unchanged when denied. */
  readonly tat: number
  /** When this request's first unit is scheduled (≥ now). */
  readonly start: number
  readonly remaining: number
  readonly resetAfterMs: number
  readonly retryAfterMs: number
}

/**
 * The generic cell rate algorithm. State: `[tat]`, the theoretical arrival time.
 * Emission interval T; a request of `cost` moves TAT by cost·T and is allowed when
 * the new TAT − burst·T ≤ now.
 */
export function schedule(
  state: AlgorithmState | undefined,
  interval: number,
  burst: number,
  now: number,
  cost: number,
): Schedule {
  const start = state === undefined ? now : Math.max(state[0] as number, now)
  const tat = start + cost * interval
  const allowAt = tat - burst * interval
  if (allowAt <= now) {
    return {
      allowed: true,
      tat,
      start,
      remaining: Math.floor((now - allowAt) / interval),
      resetAfterMs: Math.ceil(tat - now),
      retryAfterMs: 0,
    }
  }
  return {
    allowed: false,
    tat: start,
    start,
    remaining: Math.max(0, Math.floor((now + burst * interval - start) / interval)),
    resetAfterMs: Math.ceil(start - now),
    retryAfterMs: Math.ceil(allowAt - now),
  }
}
