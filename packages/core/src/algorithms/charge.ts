// The reference semantics of a charge: units taken after the fact, past the limit, per algorithm.
import type { Algorithm, AlgorithmState, LimitDecision } from '../algorithm.ts'
import type { StateWrite } from '../stepAll.ts'
import type { GcraParams } from './gcra.ts'
import type { LeakyBucketParams } from './leakyBucket.ts'
import { judgedAt } from './shared.ts'
import type { TokenBucketParams } from './tokenBucket.ts'

/** Largest integer a charge keeps a state's arithmetic under (as ratio.ts's steps do), with room for a sum. */
const SAFE = 2 ** 50

/**
 * The largest `cost` one charge may take under `limit` with every state exact: a larger one is an
 * `InputError` before any store call. Windows and logs saturate (see `chargeStep`), so only the
 * exactness of the cost itself bounds them; a token bucket's debt and a GCRA's TAT do not, so
 * their bound is the debt their integers hold (years of refill for any usual configuration).
 *
 * @example chargeBound(tokenBucket({ capacity: 10, refillRate: 1 })) // 1125899906832 (1000 scaled units a token)
 */
export function chargeBound(limit: Algorithm): number {
  switch (limit.kind) {
    case 'tokenBucket': {
      const { capacity, tokenUnits } = limit.params as TokenBucketParams
      return Math.floor(SAFE / tokenUnits) - capacity
    }
    case 'gcra':
    case 'leakyBucket':
      return Math.floor(aheadCap(limit) / (limit.params as GcraParams).intervalNum)
    default:
      return SAFE
  }
}

/** The most a sliding window's current count holds: past it every decision is the same (see `chargeStep`). */
function slidingWindowCap(limit: number, windowMs: number): number {
  return Math.max(limit, Math.min(limit * windowMs + 1, Math.floor(SAFE / windowMs)))
}

/**
 * Where `chargeStep` saturates `limit`'s state, in the state's own units (what a store's twin of
 * it needs): a fixed window's count (`limit`); a sliding window's current count
 * (`slidingWindowCap`); a sliding log's live entries (`limit + 1`); a token bucket's deepest debt
 * in scaled units (`chargeBound` × `tokenUnits`: the state never goes below its negative); a
 * GCRA's or leaky bucket's furthest TAT ahead of t, in 1/den ms; 0 for concurrency (untouched).
 *
 * @example chargeCap(slidingLog({ limit: 5, window: '1s' })) // 6
 */
export function chargeCap(limit: Algorithm): number {
  switch (limit.kind) {
    case 'fixedWindow':
      return limit.limit
    case 'slidingWindow':
      return slidingWindowCap(limit.limit, limit.windowMs)
    case 'slidingLog':
      return limit.limit + 1
    case 'tokenBucket':
      return chargeBound(limit) * (limit.params as TokenBucketParams).tokenUnits
    case 'gcra':
    case 'leakyBucket':
      return aheadCap(limit)
    case 'concurrency':
      return 0
  }
}

/** The furthest ahead of t (in 1/den ms) a charge moves a TAT: a step's cost·T still fits on top. */
function aheadCap(limit: Algorithm): number {
  const burst = limit.kind === 'gcra' ? (limit.params as GcraParams).burst : limit.maxCost
  return SAFE - (burst + 1) * (limit.params as GcraParams).intervalNum
}

/**
 * Takes `cost` units under one limit at `now` whatever its state holds, the twin of every store's
 * charge: never denied, it may drive the state past the limit so later steps deny until it has
 * recovered. Each state is first brought to t (the judged time) as a peek would see it.
 *
 * - fixed window: the current window's count grows by cost, saturating at `limit` (the window
 *   stays full until it ends; nothing carries into the next).
 * - sliding window: the current count grows by cost, uncapped in effect: the excess weighs into
 *   the next window through the previous-window weight. It saturates at `limit × window + 1`
 *   (or the largest count whose arithmetic stays exact), past which every decision is the same.
 * - sliding log: `cost` entries at t, keeping only the newest `limit + 1` live ones: a longer log
 *   decides exactly as those (every step reads at most its newest `limit + 1`), so one call never
 *   writes more than `limit + 1` entries.
 * - token bucket: refill to t, then tokens −= cost, below zero if need be; refill continues from
 *   there. The debt saturates at `chargeBound` tokens.
 * - GCRA and leaky bucket: TAT = max(TAT, t) + cost × T, at most `chargeBound` × T ahead of t.
 * - concurrency: untouched (it holds leases, not units): `undefined`.
 *
 * Returns the state to write and its TTL (as long as a peek of the new state says it matters, so
 * no debt is forgotten early), or `undefined` for nothing to write.
 *
 * @example
 * // fixedWindow 5/1s, 3 taken at t=0: a charge of 10 at t=400 fills the window: [0, 5], 600 ms to live
 * chargeStep(fixedWindow({ limit: 5, window: 1000 }), [0, 3], 400, 10) // { state: [0, 5], ttlMs: 600 }
 */
export function chargeStep(
  limit: Algorithm,
  state: AlgorithmState | undefined,
  now: number,
  cost: number,
): StateWrite | undefined {
  if (cost <= 0 || limit.kind === 'concurrency') return undefined
  // A peek's state is the stored one brought to t: the current window, a refilled bucket, a TAT
  // no earlier than t, a log of live entries.
  const seen = limit.step(state, now, 0).state
  const next = charged(limit, seen, now, cost)
  return { state: next, ttlMs: limit.step(next, now, 0).ttlMs }
}

function charged(limit: Algorithm, seen: AlgorithmState, now: number, cost: number): AlgorithmState {
  const cap = chargeCap(limit)
  switch (limit.kind) {
    case 'fixedWindow':
      return [seen[0] as number, Math.min(cap, (seen[1] as number) + cost)]
    case 'slidingWindow':
      return [seen[0] as number, Math.min(cap, (seen[1] as number) + cost), seen[2] as number]
    case 'slidingLog': {
      const t = judgedAt(now, seen.length > 0 ? (seen[seen.length - 1] as number) : undefined)
      const log = seen.concat(new Array<number>(Math.min(cost, cap)).fill(t))
      return log.length > cap ? log.slice(log.length - cap) : log
    }
    case 'tokenBucket': {
      const { tokenUnits } = limit.params as TokenBucketParams
      return [Math.max(-cap, (seen[0] as number) - cost * tokenUnits), seen[1] as number]
    }
    default: {
      // GCRA and leaky bucket, `[tatMs, tatRemainder, seenMs]` with the TAT at or after t = seenMs.
      const { intervalNum: num, intervalDen: den } = limit.params as GcraParams | LeakyBucketParams
      const t = seen[2] as number
      const ahead = Math.min(cap, ((seen[0] as number) - t) * den + ((seen[1] as number) ?? 0) + cost * num)
      const carry = Math.floor(ahead / den)
      return [t + carry, ahead - carry * den, t]
    }
  }
}

/** What `chargeAll` gives a store: the writes, and what a peek of cost 1 says of each limit after them. */
export interface ChargeAllResult {
  /** One per limit: the write, or `undefined` to leave it alone. */
  readonly writes: readonly (StateWrite | undefined)[]
  readonly decisions: readonly LimitDecision[]
}

/**
 * The reference semantics of `Store.charge`: `chargeStep` on every limit of a `ChargeRequest`
 * (each with its own entry of `costs`, else `cost`), then a peek of cost 1 of every limit on its
 * new state: allowed false while it is past the limit, `retryAfterMs` until one unit is admitted.
 *
 * @example
 * const { writes, decisions } = chargeAll(limits, states, now, request.cost, request.costs)
 */
export function chargeAll(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  now: number,
  cost: number,
  costs?: readonly number[],
): ChargeAllResult {
  const writes: (StateWrite | undefined)[] = []
  const decisions: LimitDecision[] = []
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i] as Algorithm
    const write = chargeStep(limit, states[i], now, costs === undefined ? cost : (costs[i] as number))
    writes.push(write)
    decisions.push(limit.step(write === undefined ? states[i] : write.state, now, 1).decision)
  }
  return { writes, decisions }
}
