import type { AlgorithmState } from '../algorithm.ts'
import { judgedAt, ttlAt } from './shared.ts'

/** Outcome of one GCRA (virtual scheduling) step, shared by `gcra` and `leakyBucket`. */
export interface Schedule {
  readonly allowed: boolean
  /**
   * The state to store, `[tatMs, fraction × den, seenMs]`: the theoretical arrival time and the
   * time it was judged at. The TAT is unchanged when denied.
   */
  readonly tat: AlgorithmState
  /** How long the state matters, counted from the caller's `now` (see `ttlAt`). */
  readonly ttlMs: number
  /** Whole ms until this request's first unit is scheduled (shaping delay). */
  readonly startAfterMs: number
  readonly remaining: number
  readonly resetAfterMs: number
  readonly retryAfterMs: number
}

/**
 * The generic cell rate algorithm with emission interval T = num/den ms. State: the theoretical
 * arrival time (TAT) as whole ms plus a remainder in 1/den ms, so every operation is exact
 * integer arithmetic, and the time of the latest admitted write. A request of `cost` moves TAT by
 * cost·T and is allowed when the new TAT − burst·T ≤ t. Below, "ahead" is TAT − t in units of
 * 1/den ms.
 *
 * t = max(now, seenMs): the TAT alone does not say when the key was last used, so without seenMs
 * a lagging caller would be judged as if the TAT were its lag further ahead (starved, and a shaped
 * request held for its lag on top of its turn). A state without seenMs (written before it was
 * kept) has no floor.
 */
export function schedule(
  state: AlgorithmState | undefined,
  num: number,
  den: number,
  burst: number,
  now: number,
  cost: number,
): Schedule {
  const t = judgedAt(now, state?.[2])
  const tatMs = state?.[0] ?? t
  const tatRest = state?.[1] ?? 0
  // A TAT in the past means an idle key: it starts from t.
  const pending = tatMs > t || (tatMs === t && tatRest > 0)
  const startMs = pending ? tatMs : t
  const startRest = pending ? tatRest : 0
  const aheadBefore = (startMs - t) * den + startRest
  const units = startRest + cost * num
  const carry = Math.floor(units / den)
  const nextMs = startMs + carry
  const nextRest = units - carry * den
  const ahead = (nextMs - t) * den + nextRest
  const tolerance = burst * num
  if (ahead <= tolerance) {
    const resetAfterMs = Math.ceil(ahead / den)
    return {
      allowed: true,
      tat: [nextMs, nextRest, t],
      ttlMs: ttlAt(now, t, resetAfterMs),
      startAfterMs: Math.ceil(aheadBefore / den),
      remaining: Math.floor((tolerance - ahead) / num),
      resetAfterMs,
      retryAfterMs: 0,
    }
  }
  const resetAfterMs = Math.ceil(aheadBefore / den)
  return {
    allowed: false,
    tat: [startMs, startRest, t],
    ttlMs: ttlAt(now, t, resetAfterMs),
    startAfterMs: 0,
    remaining: Math.max(0, Math.floor((tolerance - aheadBefore) / num)),
    resetAfterMs,
    retryAfterMs: Math.ceil((ahead - tolerance) / den),
  }
}
