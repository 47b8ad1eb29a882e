import type { Algorithm, AlgorithmState, CommonOptions, StepResult } from '../algorithm.ts'
import { type Duration, formatDuration, parseDuration } from '../duration.ts'
import { checkSafe, reduce } from '../ratio.ts'
import { optionsObject, policyName, positiveInteger } from '../validate.ts'
import { allow, deny } from './shared.ts'
import { schedule } from './virtualScheduling.ts'

export interface GcraOptions extends CommonOptions {
  /** Requests per `period` on average. */
  readonly rate: number
  readonly period: Duration
  /** How many requests may arrive at once on a fresh key (redis-cell's max_burst + 1). Defaults to `rate`. */
  readonly burst?: number
}

export interface GcraParams {
  readonly rate: number
  readonly periodMs: number
  readonly burst: number
  /** Emission interval T = intervalNum / intervalDen ms (period / rate, reduced). */
  readonly intervalNum: number
  readonly intervalDen: number
}

/**
 * One GCRA step. State: `[tatMs, tatRemainder, seenMs]`. Emission interval T = period / rate.
 * Judged at t = max(now, seenMs), the time of the latest admitted write (see `schedule`).
 */
export function gcraStep(
  state: AlgorithmState | undefined,
  params: GcraParams,
  now: number,
  cost: number,
): StepResult {
  const s = schedule(state, params.intervalNum, params.intervalDen, params.burst, now, cost)
  const decision = s.allowed
    ? allow(params.burst, s.remaining, s.resetAfterMs)
    : deny(params.burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  return { state: s.tat, ttlMs: s.ttlMs, decision }
}

/**
 * GCRA, the generic cell rate algorithm: exact, O(1), one timestamp of state per key.
 *
 * @example
 * // 30 per minute, bursts of 16: the first call is allowed with limit 16, remaining 15, resetAfterMs 2000
 * const algorithm = gcra({ rate: 30, period: '1m', burst: 16 })
 */
export function gcra(options: GcraOptions): Algorithm<GcraParams> {
  optionsObject(options, 'gcra', ['rate', 'period', 'burst', 'name'])
  const rate = positiveInteger(options.rate, 'gcra: rate')
  const periodMs = parseDuration(options.period, 'gcra: period')
  const burst = positiveInteger(options.burst ?? rate, 'gcra: burst')
  const [intervalNum, intervalDen] = reduce(periodMs, rate)
  checkSafe((burst + 1) * intervalNum + periodMs * intervalDen, 'gcra')
  const params = { rate, periodMs, burst, intervalNum, intervalDen }
  return {
    kind: 'gcra',
    params,
    id: `gc:${rate}:${periodMs}:${burst}`,
    name: policyName(options.name, `gcra:${rate}/${formatDuration(periodMs)}`, 'gcra'),
    limit: burst,
    windowMs: Math.ceil((burst * periodMs) / rate),
    maxCost: burst,
    step: (state, now, cost) => gcraStep(state, params, now, cost),
  }
}
