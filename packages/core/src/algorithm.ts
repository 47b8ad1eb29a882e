// What an algorithm is: its kinds, its state, one step and what the step decides. The lowest layer.

/**
 * Every algorithm kind, in one order that every list of them follows (stores' capabilities, the
 * Lua twins, the conformance suite). A store declares which of them it can run.
 *
 * @example memoryStore().capabilities.algorithms.length === ALGORITHM_KINDS.length // true
 */
export const ALGORITHM_KINDS = Object.freeze([
  'fixedWindow',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
  'concurrency',
] as const)

/** The algorithm kinds (see {@link ALGORITHM_KINDS}): six rate limits and the concurrency limit. */
export type AlgorithmKind = (typeof ALGORITHM_KINDS)[number]

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
  /**
   * Present only when the limiter key is blocked (a penalty: `blockDuration`, or `limiter.ban`):
   * when the block ends, in ms since the epoch. Absent otherwise, so decisions compare as before.
   */
  readonly blockedUntil?: number
}

/** Per-key state of every algorithm: a short list of numbers (a log of timestamps for slidingLog and concurrency). */
export type AlgorithmState = readonly number[]

/** The result of one pure step. Stores persist `state` for `ttlMs` only when every limit allowed. */
export interface StepResult {
  readonly state: AlgorithmState
  readonly decision: LimitDecision
  /**
   * How long `state` matters, counted from the request's `now` (not the later time a lagging
   * request is judged at, so a store expiring at `now + ttlMs` never drops it early); after that
   * the key behaves as fresh and may be dropped.
   */
  readonly ttlMs: number
}

/**
 * A configured limit, made by one of the factories (`fixedWindow`, `gcra`, …).
 * `params` are the normalised options in milliseconds: what a Lua twin receives.
 */
export interface Algorithm<P extends object = object> {
  readonly kind: AlgorithmKind
  readonly params: Readonly<P>
  /** Identifies kind + params in storage keys, so different limits never share state. */
  readonly id: string
  /** The policy name shown in headers and decisions. */
  readonly name: string
  /** The quota a client sees (`q` in RateLimit-Policy). */
  readonly limit: number
  /** The policy window (`w` in RateLimit-Policy), in milliseconds. */
  readonly windowMs: number
  /** The largest cost this limit could ever admit; a larger one is an `InputError`. */
  readonly maxCost: number
  /**
   * The reference semantics: pure and deterministic.
   * `cost` 0 reads without consuming. A denied step returns the unchanged (normalised) state.
   */
  step(state: AlgorithmState | undefined, now: number, cost: number): StepResult
}

/** Options every factory accepts besides its own. */
export interface CommonOptions {
  /** Policy name for headers and decisions; defaults to a description such as `fixedWindow:100/1m`. */
  readonly name?: string
}
