// The memory store's block states (penalties): kept as entries of a table of their own, so maxKeys,
// maxBytes, the LRU order and the stale purge bound them like any counter.
import type { Algorithm, AlgorithmState } from '@sluice/core'
import { BLOCK_ID, type BlockState } from '@sluice/core/store'

/**
 * The pseudo-limit whose table holds block states (`[blockedUntil, lastBlockMs, forgetUntil]`,
 * see core's `penaltyStep`). Never stepped as a limit: its `step` only tells the stale purge that a
 * state past its `forgetUntil` decides like none (spent).
 */
export const BLOCK_LIMIT: Algorithm = Object.freeze({
  kind: 'fixedWindow' as const,
  params: Object.freeze({}),
  id: BLOCK_ID,
  name: 'block',
  limit: 1,
  windowMs: 1,
  maxCost: 0,
  step(state: AlgorithmState | undefined, now: number) {
    const live = state !== undefined && (state[2] as number) > now
    return {
      state: state ?? [],
      ttlMs: 0,
      decision: {
        allowed: true,
        limit: 1,
        remaining: live ? 0 : 1,
        resetAfterMs: 0,
        retryAfterMs: 0,
        delayMs: 0,
      },
    }
  },
})

/** A held block state as core reads it: a copy, since the store's own array may be reused. */
export function blockState(state: AlgorithmState): BlockState {
  return [state[0] as number, state[1] as number, state[2] as number]
}
