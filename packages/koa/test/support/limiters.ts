import { type Algorithm, createRateLimiter, fixedWindow, type RateLimiter, type Store } from '@sluice/core'
import { memoryStore } from '@sluice/memory'

/** A limiter on a fresh memory store unless given one; by default 2 requests per minute. */
export function limiterOf(
  algorithm: Algorithm | readonly Algorithm[] = fixedWindow({ limit: 2, window: '1m' }),
  options: { store?: Store; clock?: () => number } = {},
): RateLimiter {
  return createRateLimiter({ store: options.store ?? memoryStore(), algorithm, clock: options.clock })
}
