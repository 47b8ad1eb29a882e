// What a limiter answers: one decision folded from each limit's, named by policy, and how it was made.
import type { Algorithm, LimitDecision } from './algorithm.ts'
import type { StoreError } from './errors.ts'

export type { LimitDecision } from './algorithm.ts'

/** Why a decision was made without the store. */
export type DegradedReason = 'timeout' | 'store-error' | 'circuit-open'

/** Which store-error mode answered: `onStoreError: 'deny' | 'allow'`, or the fallback store. */
export type DegradedMode = 'deny' | 'allow' | 'fallback'

/**
 * Set on a decision that the store did not make. With `mode` `'deny'` or `'allow'` the numbers are
 * placeholders (`remaining` 0, the limits' own `limit`), not counts: do not show them to clients.
 * With `'fallback'` they are the fallback store's real numbers, for this process only.
 */
export interface Degraded {
  readonly reason: DegradedReason
  readonly mode: DegradedMode
  /** The fault: a `StoreTimeoutError`, a `CircuitOpenError` or another `StoreError`. */
  readonly error: StoreError
}

/** One limit's decision, named by its policy. */
export interface PolicyDecision extends LimitDecision {
  readonly policy: string
}

/**
 * What every `limit()` and `peek()` returns. Denial is a value, not an exception.
 * For a composite limiter the top-level numbers come from the deciding policy (`policy`):
 * the denying limit with the longest wait, or, when all admit, the one with the least left.
 * `policies` carries every limit's own numbers.
 */
export interface Decision extends LimitDecision {
  readonly policy: string
  readonly policies: readonly PolicyDecision[]
  /**
   * Rules limiters only: the results of the shadow policies this request matched (`shadow_mode:
   * true`, or all of them with `shadowMode: true`). Evaluated and counted, they never deny.
   */
  readonly shadow?: readonly PolicyDecision[]
  /**
   * Rules limiters only: the limit behind each entry of `policies`, in order. The policies of a
   * rules limiter differ per request; headers read their quota and window from here.
   */
  readonly limits?: readonly Algorithm[]
  /**
   * Rules limiters only: the policy names of the `unlimited: true` rules this request matched,
   * which count nothing. A request that matched no rule has none here, no `policies` and no
   * `shadow`; one that matched only unlimited rules names them here.
   */
  readonly unlimited?: readonly string[]
  /**
   * Present only when the limiter's allow or deny list decided, without asking the store: `'allow'`
   * (admitted, `limit` and `remaining` `Infinity`, nothing counted) or `'deny'` (refused, `limit`
   * and `remaining` 0, `retryAfterMs` `Infinity`: waiting does not help). `policies` is empty.
   */
  readonly listed?: 'allow' | 'deny'
  /**
   * Present only when the store did not make this decision: it failed, timed out or its circuit
   * is open, and the limiter's `onStoreError` mode answered (see `Degraded`).
   */
  readonly degraded?: Degraded
  /**
   * Present on every decision `limit()` (and `wait()`) returns, not on a peek's: gives back what
   * this call took (its key, its cost, under its limits), atomically, never past full, for a
   * request that should not count after all (it failed, it was a cache hit). Resolves `true` when
   * the units were sent back; `false`, doing nothing, for a refused or degraded decision (the store
   * counted nothing) or when this decision was already refunded. Windows give back only to the
   * window the units were taken from: after it rolled, nothing (see docs/algorithms.md). A store
   * failure rejects with a `StoreError`; the decision then counts as refunded all the same (a
   * timed-out refund may have landed: trying again could give back twice). Not enumerable:
   * decisions compare and serialise as before.
   *
   * @example
   * const decision = await limiter.limit(userId)
   * const response = await upstream()
   * if (!response.ok) await decision.refund?.()
   */
  readonly refund?: () => Promise<boolean>
  /**
   * Present wherever `refund` is: releases the leases this call took under its concurrency limits
   * (see `concurrency`), and nothing else (its rate limits keep what they counted). Call it once
   * the work the lease guarded is done, whatever its outcome (a `finally`, a response's `close`).
   * Releases exactly this call's lease: idempotent, it never frees another holder's slot, and after
   * the lease expired (`leaseMs`) it changes nothing. Resolves `true` when the release was sent;
   * `false`, doing nothing, for a decision with no concurrency limit, a refused or degraded one,
   * or one already released or refunded (a refund releases the leases too). A store failure
   * rejects with a `StoreError` (the lease then expires on its own). Not enumerable.
   *
   * @example
   * const decision = await limiter.limit(tenantId)
   * if (!decision.allowed) return busy(decision.retryAfterMs)
   * try {
   *   return await work()
   * } finally {
   *   await decision.release?.()
   * }
   */
  readonly release?: () => Promise<boolean>
  /**
   * Present wherever `refund` is: takes `cost` more units under this call's key and limits (and
   * so its `context`), whatever this decision's outcome, as `limiter.charge(key, { cost })` does:
   * for units known only after the work (tokens a response used). Never denied: it may drive the
   * balance past the limit so the next calls wait. A degraded decision still sends it (the store
   * may be back). Resolves with what a peek of cost 1 says right after. `cost` is a `Cost` (written
   * out here: decisions sit below cost resolution). Not enumerable.
   *
   * @example
   * const decision = await limiter.limit('org:7', { cost: { requests: 1 } })
   * const completion = await llm(prompt)
   * await decision.charge?.({ tokens: completion.usage.total_tokens })
   */
  readonly charge?: (cost: number | Readonly<Record<string, number>>) => Promise<Decision>
}
