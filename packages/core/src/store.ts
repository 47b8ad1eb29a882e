// The Store contract: what core asks of every backend, and what a backend declares it can run.
import type { Algorithm, AlgorithmKind, LimitDecision } from './algorithm.ts'
import type { Penalty } from './penalty.ts'

/** What a store can run; `createRateLimiter` checks the pairing at construction. */
export interface StoreCapabilities {
  readonly algorithms: readonly AlgorithmKind[]
  /** Can apply several limits to one limiter key all-or-nothing in one atomic step. */
  readonly composite: boolean
  /**
   * Optional: why the store cannot run a kind it leaves out of `algorithms`, added to the
   * `UnsupportedAlgorithmError` a limiter throws at construction (`'its state is no count'`).
   */
  readonly unsupported?: Readonly<Partial<Record<AlgorithmKind, string>>>
  /**
   * Optional: honours `StoreRequest.penalty` (blocks, checked and started in the same atomic step
   * as the limits, as core's `penaltyStep`) and has `ban` and `unban`. A limiter with
   * `blockDuration` needs it. Default false.
   */
  readonly penalties?: boolean
  /** Optional: honours `StoreRequest.costs` and `RefundRequest.costs` (units per limit). Default false. */
  readonly costs?: boolean
  /** Optional: has `charge` (units taken after the fact, past the limit). Default false. */
  readonly charge?: boolean
}

/**
 * The most limits one store request may carry. Limiters refuse more before any store call (a
 * `ConfigError` for a limiter's own list, an `InputError` for a request's matched rules), so every
 * store behaves the same; a Redis store sizes its script commands by it.
 */
export const MAX_LIMITS_PER_REQUEST = 256

/** One atomic operation: apply every limit to one limiter key with one cost, or none of them. */
export interface StoreRequest {
  /**
   * The limiter key: the limiter's prefix, `:`, and the caller's key (for a rules limiter, its
   * domain), already combined and unique per limiter. Each limit's counter is this plus the
   * limit's id; a store names it in its own terms (its store key, such as a Redis key).
   */
  readonly key: string
  /**
   * One to `MAX_LIMITS_PER_REQUEST` limits with distinct ids; each keeps its own state under
   * `key` + `limit.id` (one counter), so two requests whose limits share an id share that counter.
   */
  readonly limits: readonly Algorithm[]
  /** Units to take (≥ 0) under every limit; with `costs`, the largest of them. */
  readonly cost: number
  /**
   * Units per limit, in the order of `limits`, when a call costs its limits differently
   * (`cost: { requests: 1, tokens: 1200 }`, see `perLimitCosts`): each limit steps with its own
   * entry instead of `cost`, still all-or-nothing. `undefined` (the usual case): `cost` for every
   * limit. A store whose `capabilities.costs` is not true never receives it.
   */
  readonly costs?: readonly number[] | undefined
  /** `false` for a peek: decide as if taking `cost`, but write nothing. */
  readonly consume: boolean
  /** Milliseconds since the epoch from the limiter's clock, or `undefined` to use the store's own clock. */
  readonly now: number | undefined
  /**
   * Shaping bound: an admission that would have to wait longer than this is a denial instead
   * (see `stepWithin`). `undefined`: no bound.
   */
  readonly maxDelayMs?: number | undefined
  /**
   * Set only by a limiter with `blockDuration` (on a store whose `capabilities.penalties` is
   * true): check the key's block first and start one after a denied consuming call, in the same
   * atomic step, exactly as core's `penaltyStep`. `undefined`: no block is read or written.
   */
  readonly penalty?: Penalty | undefined
}

/** One atomic ban (`limiter.ban(key, ms)`): the key's block state becomes core's `banState`. */
export interface BanRequest {
  /** The limiter key, as in `StoreRequest`. */
  readonly key: string
  /** How long the ban lasts from `now`: a whole number of ms ≥ 1. */
  readonly durationMs: number
  /** Milliseconds since the epoch from the limiter's clock, or `undefined` for the store's own clock. */
  readonly now: number | undefined
}

/**
 * One atomic refund: give `cost` units back to every limit under one limiter key, as core's
 * `refundAll` does (see `refundStep` for each algorithm), never past full. Nothing is denied and
 * nothing is answered: a limit with nothing to give back is left alone.
 */
export interface RefundRequest {
  /** The limiter key, as in `StoreRequest`. */
  readonly key: string
  /** One to `MAX_LIMITS_PER_REQUEST` limits with distinct ids. */
  readonly limits: readonly Algorithm[]
  /** Units to give back: a whole number from 1 to the limits' tightest `maxCost`; with `costs`, the largest of them. */
  readonly cost: number
  /** Units per limit, in the order of `limits` (as `StoreRequest.costs`): a limit with 0 is left alone. */
  readonly costs?: readonly number[] | undefined
  /** Milliseconds since the epoch from the limiter's clock, or `undefined` for the store's own clock. */
  readonly now: number | undefined
  /**
   * Which take the units came from, one number per limit: the latest time, in ms from the refund's
   * `now` (negative: before it), at which that take's units stopped counting (its decision's
   * `resetAfterMs` after its time). Windows and logs give back only what that take counted.
   * `undefined`: a refund by key, from the current window and the newest log entries.
   */
  readonly takenResetMs: readonly number[] | undefined
}

/**
 * One atomic charge (`limiter.charge(key, { cost })`): units taken after the fact (tokens counted
 * once a response is known), under every limit of one limiter key, whatever the limits hold: never
 * denied, it may drive a balance past the limit (below zero) so later calls wait until it has
 * recovered, as core's `chargeAll` does (see `chargeStep` for each algorithm). Concurrency limits
 * are left alone (they hold leases, not units).
 */
export interface ChargeRequest {
  /** The limiter key, as in `StoreRequest`. */
  readonly key: string
  /** One to `MAX_LIMITS_PER_REQUEST` limits with distinct ids. */
  readonly limits: readonly Algorithm[]
  /** Units to take (≥ 1) under every limit; with `costs`, the largest of them. */
  readonly cost: number
  /** Units per limit, in the order of `limits` (as `StoreRequest.costs`): a limit with 0 is left alone. */
  readonly costs?: readonly number[] | undefined
  /** Milliseconds since the epoch from the limiter's clock, or `undefined` for the store's own clock. */
  readonly now: number | undefined
}

/**
 * The contract between core and a backend. Every method is atomic on its backend: a store never
 * exposes get/set, so no read-modify-write can race across processes.
 *
 * `apply` must behave exactly like core's `stepAll` on the same states (with the request's
 * `maxDelayMs`): compute every limit's step on its current state; if all allow and `consume` is true (and cost > 0) write every new state with
 * its TTL; otherwise write nothing. It returns one decision per limit, in order.
 */
export interface Store {
  /** A short name for messages: `'memory'`, `'ioredis'`. */
  readonly name: string
  readonly capabilities: StoreCapabilities
  apply(request: StoreRequest): Promise<readonly LimitDecision[]>
  /**
   * Optional: the same as `apply`, answered synchronously. An in-process store offers it so the
   * limiter can skip a promise per call; a network store leaves it out.
   */
  applySync?(request: StoreRequest): readonly LimitDecision[]
  /**
   * Optional, with `applySync`: a decider for one limit under one limiter-key start (a limiter's
   * `keyPrefix`), so a limiter's call needs no request object, no joined key and no reply array.
   * `decide(key, cost, consume, now, maxDelayMs, out)` must answer exactly what
   * `applySync({ key: start + key, limits: [limit], cost, consume, now, maxDelayMs })[0]` would
   * (and write the same state), by writing that decision's six fields into `out`. It is asked for
   * once per limiter; the limiter checks every answer like any reply (`checkReply`). `undefined`:
   * none for this start, the limiter sends requests (`applySync`). `now` is always a number: a
   * limiter without a clock reads `Date.now()` for it, since an in-process store's clock is the
   * process's (the decision then knows its take's time, and a refund reads no other clock).
   */
  syncDecider?(
    start: string,
    limit: Algorithm,
  ):
    | ((
        key: string,
        cost: number,
        consume: boolean,
        now: number,
        maxDelayMs: number | undefined,
        out: { -readonly [F in keyof LimitDecision]: LimitDecision[F] },
      ) => void)
    | undefined
  /**
   * Optional: gives units back atomically (see `RefundRequest`), exactly as core's `refundAll`
   * on the same states. A store without it cannot serve `limiter.refund` (a `ConfigError` there).
   */
  refund?(request: RefundRequest): Promise<void>
  /**
   * Optional, with `capabilities.charge`: takes units past the limit atomically (see
   * `ChargeRequest`), exactly as core's `chargeAll` on the same states, and answers what a peek
   * of cost 1 of every limit says afterwards (allowed false while past the limit, `retryAfterMs`
   * until one unit is admitted again), one decision per limit, in order. A store with `charge`
   * honours `ChargeRequest.costs`, whatever its `capabilities.costs`.
   */
  charge?(request: ChargeRequest): Promise<readonly LimitDecision[]>
  /**
   * Optional, with `capabilities.penalties`: bans the limiter key atomically (see `BanRequest`):
   * its block state, kept beside its counters, becomes core's `banState` of what it held.
   */
  ban?(request: BanRequest): Promise<void>
  /** Optional, with `capabilities.penalties`: forgets the limiter key's block state (the block and its escalation). */
  unban?(key: string): Promise<void>
  /** Forgets the counter of every given limit under the limiter key `key`. */
  reset(key: string, limits: readonly Algorithm[]): Promise<void>
  /**
   * Optional: the store's own deadline in ms. A store that sets it settles every call within it
   * (with `StoreTimeoutError`), and a limiter without its own `timeoutMs` then adds no deadline.
   */
  readonly timeoutMs?: number
  /**
   * Optional: settles pending calls and stops the store's timers, so the process can exit. Later
   * calls reject with a `StoreError`. It never closes a client the user passed in. Idempotent.
   */
  close?(): Promise<void>
}
