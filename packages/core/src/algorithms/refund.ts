// The reference semantics of a refund: units given back to one limit's state, per algorithm, never past full.
import type { Algorithm, AlgorithmState } from '../algorithm.ts'
import type { StateWrite } from '../stepAll.ts'
import type { FixedWindowParams } from './fixedWindow.ts'
import type { GcraParams } from './gcra.ts'
import type { LeakyBucketParams } from './leakyBucket.ts'
import { judgedAt, windowStart } from './shared.ts'
import type { TokenBucketParams } from './tokenBucket.ts'

/**
 * Gives `cost` units back to one limit's state at `now`, the twin of every store's refund.
 * `takenEnd` says which take the units came from: the latest instant (on the same clock as `now`)
 * at which that take's units stopped counting, as its decision's `resetAfterMs` said, i.e. the
 * take's time plus its `resetAfterMs`; exact when the limiter has a clock, an upper bound
 * otherwise. `undefined`: no take, a refund by key (the current window, the newest log entries).
 *
 * - fixed window: the current window, only if it is the take's (its end ≤ `takenEnd`): after the
 *   window rolled, nothing. The count never goes below 0; the window keeps its start.
 * - sliding window: the take's window (its start + 2 windows ≤ `takenEnd`): the current count, or
 *   the previous one once the window rolled; nothing once it no longer weighs. Never below 0.
 * - sliding log: removes up to `cost` live entries logged at or before `takenEnd` − window (the
 *   take's own: an exact `takenEnd` names their timestamp), newest first.
 * - concurrency: a release, the sliding log's refund with the lease duration as its window: the
 *   take's own lease (its entries at the take's time), nothing once it expired; by key, nothing.
 * - token bucket: adds `cost` tokens after refilling to now, never past `capacity`.
 * - GCRA and leaky bucket: move the TAT back by cost × emission interval, never before now (a
 *   leaky bucket's queue shortens, never below empty).
 *
 * Returns the state to write and its TTL, or `undefined` when nothing changes (nothing to write).
 *
 * @example
 * // fixedWindow 5/1s, 3 taken at t=0 (resetAfterMs 1000): a refund of 2 at t=400 leaves a count of 1
 * refundStep(fixedWindow({ limit: 5, window: 1000 }), [0, 3], 400, 2, 1000) // { state: [0, 1], ttlMs: 600 }
 */
export function refundStep(
  limit: Algorithm,
  state: AlgorithmState | undefined,
  now: number,
  cost: number,
  takenEnd: number | undefined,
): StateWrite | undefined {
  if (state === undefined || cost <= 0) return undefined
  const next = refunded(limit, state, now, cost, takenEnd === undefined ? Number.POSITIVE_INFINITY : takenEnd)
  if (next === undefined) return undefined
  // The TTL a peek of the new state reports: how long it matters from now.
  return { state: next, ttlMs: limit.step(next, now, 0).ttlMs }
}

function refunded(
  limit: Algorithm,
  state: AlgorithmState,
  now: number,
  cost: number,
  takenEnd: number,
): AlgorithmState | undefined {
  switch (limit.kind) {
    case 'fixedWindow':
      return fixedWindowRefund(state, limit.params as FixedWindowParams, now, cost, takenEnd)
    case 'slidingWindow':
      return slidingWindowRefund(state, limit.windowMs, now, cost, takenEnd)
    case 'slidingLog':
      return slidingLogRefund(state, limit.windowMs, now, cost, takenEnd)
    case 'concurrency':
      // A release: only the take's own lease. By key there is no take, and no lease to pick (the
      // newest would be another holder's), so nothing changes.
      if (takenEnd === Number.POSITIVE_INFINITY) return undefined
      return slidingLogRefund(state, limit.windowMs, now, cost, takenEnd)
    case 'tokenBucket':
      return tokenBucketRefund(state, limit.params as TokenBucketParams, now, cost)
    case 'gcra':
    case 'leakyBucket': {
      const { intervalNum, intervalDen } = limit.params as GcraParams | LeakyBucketParams
      return scheduleRefund(state, intervalNum, intervalDen, now, cost)
    }
  }
}

/** State `[windowStart, count]`: the window that holds t, if it is the take's. */
function fixedWindowRefund(
  state: AlgorithmState,
  { windowMs, align }: FixedWindowParams,
  now: number,
  cost: number,
  takenEnd: number,
): AlgorithmState | undefined {
  const start = state[0] as number
  const t = judgedAt(now, start)
  const current = align === 'first-request' ? t < start + windowMs : windowStart(t, windowMs) === start
  const count = state[1] as number
  if (!current || count === 0 || start + windowMs > takenEnd) return undefined
  return [start, Math.max(0, count - cost)]
}

/** State `[currentWindowStart, current, previous]`: the take's window, current or previous. */
function slidingWindowRefund(
  state: AlgorithmState,
  w: number,
  now: number,
  cost: number,
  takenEnd: number,
): AlgorithmState | undefined {
  const stored = state[0] as number
  const start = windowStart(judgedAt(now, stored), w)
  // The take's window: the latest that still weighs whose units stop counting by takenEnd.
  const taken = start + 2 * w <= takenEnd ? start : start + w <= takenEnd ? start - w : undefined
  const current = state[1] as number
  const previous = state[2] as number
  if (taken === stored && current > 0) return [stored, Math.max(0, current - cost), previous]
  if (taken === stored - w && stored === start && previous > 0)
    return [stored, current, Math.max(0, previous - cost)]
  return undefined
}

/** State: ascending timestamps. Removes the newest `cost` live ones at or before takenEnd − window. */
function slidingLogRefund(
  log: AlgorithmState,
  w: number,
  now: number,
  cost: number,
  takenEnd: number,
): AlgorithmState | undefined {
  const t = judgedAt(now, log.length > 0 ? (log[log.length - 1] as number) : undefined)
  const loggedBy = takenEnd - w
  // Live entries are those after t − w (as the step counts them); expired ones go too.
  let first = 0
  while (first < log.length && (log[first] as number) <= t - w) first++
  let end = log.length
  while (end > first && (log[end - 1] as number) > loggedBy) end--
  const removed = Math.min(cost, end - first)
  if (removed === 0) return undefined
  return log.slice(first, end - removed).concat(log.slice(end))
}

/** State `[units, lastRefill]`: refill to t, then add the tokens back, capped at capacity. */
function tokenBucketRefund(
  state: AlgorithmState,
  { capacity, tokenUnits, refillUnitsPerMs: perMs }: TokenBucketParams,
  now: number,
  cost: number,
): AlgorithmState | undefined {
  const full = capacity * tokenUnits
  const stored = state[0] as number
  const t = judgedAt(now, state[1])
  const elapsed = t - (state[1] as number)
  if (elapsed >= Math.ceil((full - stored) / perMs)) return undefined
  const units = stored + elapsed * perMs
  const back = cost * tokenUnits
  return [back >= full - units ? full : units + back, t]
}

/**
 * State `[tatMs, tatRemainder, seenMs]` (see `schedule`): the TAT moves back by cost·T but never
 * before t. Counted as "ahead" of t in 1/den ms, so no epoch time is multiplied by den.
 */
function scheduleRefund(
  state: AlgorithmState,
  num: number,
  den: number,
  now: number,
  cost: number,
): AlgorithmState | undefined {
  const t = judgedAt(now, state[2])
  const ahead = ((state[0] as number) - t) * den + ((state[1] as number) ?? 0)
  if (ahead <= 0) return undefined
  const left = Math.max(0, ahead - cost * num)
  const carry = Math.floor(left / den)
  return [t + carry, left - carry * den, t]
}

/**
 * The reference semantics of `Store.refund`: `refundStep` on every limit of a `RefundRequest`, each
 * with its own `takenResetMs`. One entry per limit: the write, or `undefined` to leave it alone.
 * With per-limit `costs` (`RefundRequest.costs`), each limit gets its own entry back; a limit whose
 * entry is 0 is left alone.
 *
 * @example
 * const writes = refundAll(limits, states, now, request.cost, request.takenResetMs)
 */
export function refundAll(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  now: number,
  cost: number,
  takenResetMs: readonly number[] | undefined,
  costs?: readonly number[],
): (StateWrite | undefined)[] {
  return limits.map((limit, i) => {
    const units = costs === undefined ? cost : (costs[i] ?? 0)
    if (units <= 0) return undefined
    const end = takenResetMs === undefined ? undefined : now + (takenResetMs[i] as number)
    return refundStep(limit, states[i], now, units, end)
  })
}
