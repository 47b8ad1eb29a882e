// Penalties, the reference semantics: a block on a limiter key after a denied call (blockDuration),
// longer for repeat offenders (escalation with a cap), and explicit bans. Stores are held to these.
import type { Algorithm, AlgorithmState, LimitDecision } from './algorithm.ts'
import { compact } from './algorithms/shared.ts'
import { type StateWrite, type StepAllResult, stepAll } from './stepAll.ts'

/**
 * A limiter's penalty, in whole milliseconds, as a store request carries it (`StoreRequest.penalty`).
 * Without escalation `factor` is 1 and `forgetAfterMs` 0, so every block lasts `blockMs`.
 */
export interface Penalty {
  /** The first block after a denied call; 0: no block after a denial (bans only). */
  readonly blockMs: number
  /** Each block within `forgetAfterMs` of the last one's end lasts this times the last (rounded up). */
  readonly factor: number
  /** No block lasts longer (bans excepted). */
  readonly maxBlockMs: number
  /** How long after a block ends a new one still escalates. */
  readonly forgetAfterMs: number
}

/**
 * A limiter key's block state, beside its counters (the "counter" `BLOCK_ID`): when the block ends
 * (epoch ms), how long the last block lasted, and until when a new block escalates from it.
 */
export type BlockState = readonly [blockedUntil: number, lastBlockMs: number, forgetUntil: number]

/**
 * The id the block state is kept under, beside the limits' ids: a Redis store keeps it at
 * `{limiterKey}:!block`. No limit id starts with `!`.
 */
export const BLOCK_ID = '!block'

/** `stepAll` with a penalty: the decisions, the limits' writes, and the block's write if any. */
export interface PenaltyStepResult extends StepAllResult {
  /** The new block state to keep for `ttlMs`, or `undefined` to leave the block state as it is. */
  readonly block: StateWrite | undefined
}

/**
 * The reference semantics of `Store.apply` for a request with a `penalty`: while the key is blocked
 * (`blockedUntil > now`) every limit denies without being stepped (nothing counted, nothing
 * written): `remaining` 0, `retryAfterMs` and `resetAfterMs` the time to `blockedUntil`, which each
 * decision carries. Otherwise `stepAll`; when a consuming call with a cost is denied and `blockMs`
 * is above 0, a block starts: `blockMs`, or within `forgetAfterMs` of the last block's end, the
 * last block × `factor` (rounded up), at most `maxBlockMs`. With per-limit `costs`, `cost` is their
 * largest: any entry above 0 makes the call one "with a cost". That denial's decisions carry
 * `blockedUntil`, and a denying limit's `retryAfterMs` is at least the block.
 *
 * @example
 * const penalty = { blockMs: 60_000, factor: 1, maxBlockMs: 60_000, forgetAfterMs: 0 }
 * const { decisions, block } = penaltyStep([limit], [state], undefined, now, 1, true, undefined, penalty)
 */
export function penaltyStep(
  limits: readonly Algorithm[],
  states: readonly (AlgorithmState | undefined)[],
  held: BlockState | undefined,
  now: number,
  cost: number,
  consume: boolean,
  maxDelayMs: number | undefined,
  penalty: Penalty,
  costs?: readonly number[],
): PenaltyStepResult {
  const live = held !== undefined && held[2] > now ? held : undefined
  if (live !== undefined && live[0] > now) {
    return { decisions: blockedDecisions(limits, now, live[0]), writes: [], block: undefined }
  }
  const result = stepAll(limits, states, now, cost, consume, maxDelayMs, costs)
  if (!consume || cost <= 0 || penalty.blockMs <= 0 || result.decisions.every((d) => d.allowed)) {
    return { decisions: result.decisions, writes: result.writes, block: undefined }
  }
  const blockMs = nextBlockMs(penalty, live)
  const blockedUntil = now + blockMs
  const forgetUntil = blockedUntil + penalty.forgetAfterMs
  const decisions = result.decisions.map((d) => withBlock(d, blockMs, blockedUntil))
  return {
    decisions,
    writes: [],
    block: { state: [blockedUntil, blockMs, forgetUntil], ttlMs: forgetUntil - now },
  }
}

/**
 * How long the next block lasts: `blockMs`, or after a block that ended less than `forgetAfterMs`
 * ago, the last one × `factor` rounded up, at most `maxBlockMs`. Lua's twin multiplies the same
 * doubles and rounds with the same `ceil`, so both agree to the millisecond.
 * @example nextBlockMs({ blockMs: 1000, factor: 2, maxBlockMs: 5000, forgetAfterMs: 60_000 }, [0, 4000, 9e15]) // 5000
 */
export function nextBlockMs(penalty: Penalty, live: BlockState | undefined): number {
  if (live === undefined || live[1] <= 0) return penalty.blockMs
  return Math.min(Math.ceil(live[1] * penalty.factor), penalty.maxBlockMs)
}

/**
 * The block state after `ban(key, ms)` at `now`: blocked until `now + ms` whatever was held (a ban
 * may shorten a block as well as lengthen it); a live escalation level is kept. With its TTL.
 * @example banState(undefined, 1000, 60_000).state // [61000, 0, 61000]
 */
export function banState(held: BlockState | undefined, now: number, ms: number): StateWrite {
  const live = held !== undefined && held[2] > now ? held : undefined
  const blockedUntil = now + ms
  const forgetUntil = live === undefined ? blockedUntil : Math.max(live[2], blockedUntil)
  return { state: [blockedUntil, live === undefined ? 0 : live[1], forgetUntil], ttlMs: forgetUntil - now }
}

/** Every limit's decision while blocked: refused, nothing evaluated. */
function blockedDecisions(limits: readonly Algorithm[], now: number, blockedUntil: number): LimitDecision[] {
  const wait = compact(blockedUntil - now)
  return limits.map((limit) => ({
    allowed: false,
    limit: limit.step(undefined, now, 0).decision.limit,
    remaining: 0,
    resetAfterMs: wait,
    retryAfterMs: wait,
    delayMs: 0,
    blockedUntil,
  }))
}

function withBlock(d: LimitDecision, blockMs: number, blockedUntil: number): LimitDecision {
  return {
    allowed: d.allowed,
    limit: d.limit,
    remaining: d.remaining,
    resetAfterMs: d.resetAfterMs,
    retryAfterMs: d.allowed ? d.retryAfterMs : Math.max(d.retryAfterMs, blockMs),
    delayMs: d.delayMs,
    blockedUntil,
  }
}
