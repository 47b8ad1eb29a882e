// The penalty options of createRateLimiter (blockDuration, blockEscalation), checked once into a Penalty.
import { type Duration, parseDuration } from './duration.ts'
import { ConfigError } from './errors.ts'
import type { Penalty } from './penalty.ts'
import type { Store } from './store.ts'
import { optionsObject, show } from './validate.ts'

/** The longest block or ban: one year, so `now + block` stays an exact whole number everywhere. */
export const MAX_BLOCK_MS = 365 * 86_400_000

/** Longer blocks for repeat offenders: exponential backoff with a cap. */
export interface BlockEscalation {
  /** Each block within `forgetAfter` of the last one's end lasts this times the last (rounded up). Default 2; at least 1. */
  readonly factor?: number
  /** No automatic block lasts longer than this. At least `blockDuration`. */
  readonly maxBlockDuration: Duration
  /** How long after a block ends the next one still escalates; then it starts at `blockDuration` again. Default `maxBlockDuration`. */
  readonly forgetAfter?: Duration
}

/** The penalty options a limiter takes beside its limits. */
export interface PenaltyOptions {
  /**
   * After a `limit()` call that is denied (any limit of the limiter refused it), the key is blocked
   * for this long: every call is refused without evaluating or counting anything, with
   * `retryAfterMs` to the block's end and `blockedUntil` on the decision. The check and the start of
   * a block happen in the same atomic store call as the limits. `0`: no block after a denial, but
   * `ban`/`unban` work. Absent: no block is ever read (a limiter without penalties pays nothing),
   * and `ban`/`unban` are a `ConfigError`. At most one year.
   */
  readonly blockDuration?: Duration
  /** Longer blocks for a key blocked again soon after a block (see `BlockEscalation`). Needs `blockDuration` > 0. */
  readonly blockEscalation?: BlockEscalation
}

const ESCALATION_OPTIONS = ['factor', 'maxBlockDuration', 'forgetAfter']

/**
 * The limiter's `Penalty`, or `undefined` without `blockDuration`. Every mistake is a `ConfigError`.
 * @example resolvePenalty({ blockDuration: '1m' }, store, false) // { blockMs: 60000, factor: 1, maxBlockMs: 60000, forgetAfterMs: 0 }
 */
export function resolvePenalty(options: PenaltyOptions, store: Store, rules: boolean): Penalty | undefined {
  const { blockDuration, blockEscalation } = options
  if (blockDuration === undefined) {
    if (blockEscalation !== undefined) {
      throw new ConfigError(
        'createRateLimiter: blockEscalation lengthens the blocks of blockDuration; give blockDuration too (e.g. blockDuration: "1m")',
      )
    }
    return undefined
  }
  const name = 'createRateLimiter: blockDuration'
  const blockMs = parseDuration(blockDuration, name, { zero: true, max: MAX_BLOCK_MS })
  if (rules) {
    throw new ConfigError(
      'createRateLimiter: blockDuration blocks a key, and a rules limiter decides descriptors; give blockDuration to a limiter with algorithm',
    )
  }
  if (store.capabilities.penalties !== true) {
    throw new ConfigError(
      `createRateLimiter: the ${store.name} store cannot keep blocks (capabilities.penalties is not true); use memoryStore() or a Redis store, or drop blockDuration`,
    )
  }
  if (typeof store.ban !== 'function' || typeof store.unban !== 'function') {
    // A wrapper that copies another store's capabilities but not its ban and unban.
    throw new ConfigError(
      `createRateLimiter: the ${store.name} store declares capabilities.penalties but has no ban or unban method; a store that keeps blocks needs both (see docs/writing-a-store.md)`,
    )
  }
  if (blockEscalation === undefined) return { blockMs, factor: 1, maxBlockMs: blockMs, forgetAfterMs: 0 }
  optionsObject(blockEscalation, 'createRateLimiter: blockEscalation', ESCALATION_OPTIONS, {
    maxBlockMs: 'use maxBlockDuration (a Duration: "1h")',
    max: 'use maxBlockDuration (a Duration: "1h")',
    multiplier: 'use factor',
  })
  if (blockMs === 0) {
    throw new ConfigError(
      'createRateLimiter: blockEscalation needs blockDuration above 0 (with 0 a denial starts no block to escalate)',
    )
  }
  const factor = blockEscalation.factor ?? 2
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 1000) {
    throw new ConfigError(
      `createRateLimiter: blockEscalation.factor must be a number from 1 to 1000 (2 doubles each block), got ${show(factor)}`,
    )
  }
  const maxBlockMs = parseDuration(
    blockEscalation.maxBlockDuration,
    'createRateLimiter: blockEscalation.maxBlockDuration',
    { max: MAX_BLOCK_MS },
  )
  if (maxBlockMs < blockMs) {
    throw new ConfigError(
      `createRateLimiter: blockEscalation.maxBlockDuration (${maxBlockMs} ms) must be at least blockDuration (${blockMs} ms)`,
    )
  }
  const forgetAfterMs =
    blockEscalation.forgetAfter === undefined
      ? maxBlockMs
      : parseDuration(blockEscalation.forgetAfter, 'createRateLimiter: blockEscalation.forgetAfter', {
          zero: true,
          max: MAX_BLOCK_MS,
        })
  return { blockMs, factor, maxBlockMs, forgetAfterMs }
}
