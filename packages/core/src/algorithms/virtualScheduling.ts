import type { AlgorithmState } from '../algorithm.ts'

/** Outcome of one GCRA (virtual scheduling) step, shared by `gcra` and `leakyBucket`. */
export interface Schedule {
  readonly allowed: boolean
  /** The theoretical arrival time to store, `[ms, fraction × den]`: unchanged when denied. */
  readonly tat: AlgorithmState
  /** Whole ms until this request's first unit is scheduled (shaping delay). */
  readonly startAfterMs: number
  readonly remaining: number
  readonly resetAfterMs: number
  readonly retryAfterMs: number
}

/**
 * The generic cell rate algorithm with emission interval T = num/den ms. State: the theoretical
 * arrival time (TAT) as whole ms plus a remainder in 1/den ms, so every operation is exact
 * integer arithmetic. A request of `cost` moves TAT by cost·T and is allowed when the new
 * TAT − burst·T ≤ now. Below, "ahead" is TAT − now in units of 1/den ms.
 */
export function schedule(
  state: AlgorithmState | undefined,
  num: number,
  den: number,
  burst: number,
  now: number,
  cost: number,
): Schedule {
  const tatMs = state?.[0] ?? now
  const tatRest = state?.[1] ?? 0
  // A TAT in the past means an idle key: it starts from now.
  const pending = tatMs > now || (tatMs === now && tatRest > 0)
  const startMs = pending ? tatMs : now
  const startRest = pending ? tatRest : 0
  const aheadBefore = (startMs - now) * den + startRest
  const units = startRest + cost * num
  const carry = Math.floor(units / den)
  const nextMs = startMs + carry
  const nextRest = units - carry * den
  const ahead = (nextMs - now) * den + nextRest
  const tolerance = burst * num
  if (ahead <= tolerance) {
    return {
      allowed: true,
      tat: [nextMs, nextRest],
      startAfterMs: Math.ceil(aheadBefore / den),
      remaining: Math.floor((tolerance - ahead) / num),
      resetAfterMs: Math.ceil(ahead / den),
      retryAfterMs: 0,
    }
  }
  return {
    allowed: false,
    tat: [startMs, startRest],
    startAfterMs: 0,
    remaining: Math.max(0, Math.floor((tolerance - aheadBefore) / num)),
    resetAfterMs: Math.ceil(aheadBefore / den),
    retryAfterMs: Math.ceil((ahead - tolerance) / den),
  }
}
