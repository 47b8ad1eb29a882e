import type { Algorithm, AlgorithmState } from './algorithm.ts'
import type { LimitDecision } from './decision.ts'

/** A state to persist, with how long it matters. */
export interface StateWrite {
  readonly state: AlgorithmState
  readonly ttlMs: number
}

export interface StepAllResult {
  readonly decisions: readonly LimitDecision[]
  /** One per limit, or empty when nothing may be written (a denial, a peek, a zero cost). */
  readonly writes: readonly StateWrite[]
}

/**
 * The reference semantics of `Store.apply` (composite all-or-nothing included): every store must
 * produce these decisions for these states. In a denied composite the limits that would have
 * admitted report their untouched numbers (a peek), since nothing was taken from them.
 */
export function stepAll(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  now: number,
  cost: number,
  consume: boolean,
): StepAllResult {
  if (limits.length === 1) {
    const step = (limits[0] as Algorithm).step(states[0], now, cost)
    return { decisions: [step.decision], writes: step.decision.allowed && consume && cost > 0 ? [step] : [] }
  }
  const steps = limits.map((limit, i) => limit.step(states[i], now, cost))
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
