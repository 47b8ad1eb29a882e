// The reference semantics of Store.apply: every limit's step, the shaping bound, all-or-nothing.
import type { Algorithm, AlgorithmState, LimitDecision, StepResult } from './algorithm.ts'
import { compact } from './algorithms/shared.ts'

/** A state to persist, with how long it matters. */
export interface StateWrite {
  readonly state: AlgorithmState
  /**
   * How long the state matters, counted from the request's `now`: a step judges a caller whose
   * clock lags at the later time the state holds, and its TTL still counts from the caller's
   * clock, so a store may add it to `now` or start it on its own clock alike.
   */
  readonly ttlMs: number
}

export interface StepAllResult {
  readonly decisions: readonly LimitDecision[]
  /**
   * One per limit, or empty when nothing may be written (a denial, a peek, a zero cost). With
   * per-limit `costs`, a limit whose cost is 0 has `undefined`: it was read, and is left alone.
   */
  readonly writes: readonly (StateWrite | undefined)[]
}

/**
 * One limit's step, with the wait bound of shaping: an admission whose `delayMs` exceeds
 * `maxDelayMs` becomes a denial (nothing is taken), with the untouched numbers of a peek and a
 * `retryAfterMs` of the extra wait. Stores that call a step directly must go through this.
 */
export function stepWithin(
  limit: Algorithm,
  state: AlgorithmState | undefined,
  now: number,
  cost: number,
  maxDelayMs: number | undefined,
): StepResult {
  const step = limit.step(state, now, cost)
  const { decision } = step
  if (maxDelayMs === undefined || !decision.allowed || decision.delayMs <= maxDelayMs) return step
  const untouched = limit.step(state, now, 0).decision
  return {
    state: step.state,
    ttlMs: step.ttlMs,
    decision: {
      allowed: false,
      limit: untouched.limit,
      remaining: untouched.remaining,
      resetAfterMs: untouched.resetAfterMs,
      retryAfterMs: compact(decision.delayMs - maxDelayMs),
      delayMs: 0,
    },
  }
}

/**
 * The reference semantics of `Store.apply` (composite all-or-nothing included): every store must
 * produce these decisions for these states. In a denied composite the limits that would have
 * admitted report their untouched numbers (a peek), since nothing was taken from them.
 *
 * With `costs` (`StoreRequest.costs`: units per limit, `cost` their largest), each limit steps with
 * its own entry, still all-or-nothing; a limit whose entry is 0 is read (it denies only when its
 * balance is below zero) and never written.
 *
 * @example stepAll([requests, tokens], [undefined, undefined], now, 1200, true, undefined, [1, 1200])
 */
export function stepAll(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  now: number,
  cost: number,
  consume: boolean,
  maxDelayMs?: number,
  costs?: readonly number[],
): StepAllResult {
  if (costs !== undefined) return stepEach(limits, states, now, costs, consume, maxDelayMs)
  if (limits.length === 1) {
    const step = stepWithin(limits[0] as Algorithm, states[0], now, cost, maxDelayMs)
    return { decisions: [step.decision], writes: step.decision.allowed && consume && cost > 0 ? [step] : [] }
  }
  const steps = limits.map((limit, i) => stepWithin(limit, states[i], now, cost, maxDelayMs))
  const admitted = steps.every((s) => s.decision.allowed)
  if (admitted) {
    const decisions = steps.map((s) => s.decision)
    return { decisions, writes: consume && cost > 0 ? steps : [] }
  }
  const decisions = steps.map((s, i) =>
    s.decision.allowed ? (limits[i] as Algorithm).step(states[i], now, 0).decision : s.decision,
  )
  return { decisions, writes: [] }
}

/** `stepAll` with a cost per limit: off the fast path (see `StoreRequest.costs`). */
function stepEach(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  now: number,
  costs: readonly number[],
  consume: boolean,
  maxDelayMs: number | undefined,
): StepAllResult {
  const steps = limits.map((limit, i) => stepWithin(limit, states[i], now, costs[i] ?? 0, maxDelayMs))
  if (steps.every((s) => s.decision.allowed)) {
    return {
      decisions: steps.map((s) => s.decision),
      writes: consume ? steps.map((s, i) => ((costs[i] ?? 0) > 0 ? s : undefined)) : [],
    }
  }
  const decisions = steps.map((s, i) =>
    s.decision.allowed ? (limits[i] as Algorithm).step(states[i], now, 0).decision : s.decision,
  )
  return { decisions, writes: [] }
}
