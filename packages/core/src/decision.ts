import type { Algorithm } from './algorithm.ts'
import type { Degraded } from './resilience/degraded.ts'

/** What one limit says about one request. Times are whole milliseconds from now. */
export interface LimitDecision {
  /** The request may proceed (after `delayMs`, for shaping algorithms). */
  readonly allowed: boolean
  /** The most this limit admits at once (the quota a client sees). */
  readonly limit: number
  /** How many more units it would admit right now, after this request. */
  readonly remaining: number
  /** Time until `remaining` is back to `limit` if no more requests arrive. */
  readonly resetAfterMs: number
  /** When denied: time until the same request would be admitted. 0 when allowed. */
  readonly retryAfterMs: number
  /** Shaping only (leaky bucket): how long to hold the request before it runs. 0 otherwise. */
  readonly delayMs: number
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
   * Present only when the store did not make this decision: it failed, timed out or its circuit
   * is open, and the limiter's `onStoreError` policy answered (see `Degraded`).
   */
  readonly degraded?: Degraded
}
