import type { LimitDecision } from './decision.ts'

/** The six algorithm kinds. A store declares which of them it can run. */
export type AlgorithmKind =
  | 'fixedWindow'
  | 'slidingLog'
  | 'slidingWindow'
  | 'tokenBucket'
  | 'gcra'
  | 'leakyBucket'

/** Per-key state of every algorithm: a short list of numbers (a log of timestamps for slidingLog). */
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
