import type { AlgorithmState } from '@sluice/core'
import type { LRUCache } from 'lru-cache'
import type { LimitSlots } from './store.ts'

/**
 * Drops spent entries before the LRU has to evict a live one. A state is spent when it decides
 * exactly like a fresh key (its window passed, its bucket refilled). A full sweep costs
 * O(maxKeys), so after a sweep that frees nothing the next waits for a sixteenth of `maxKeys`
 * insertions: under a flood of distinct live keys the cost per insertion stays constant.
 */
export class StalePurge {
  private insertsUntilNext = 0
  constructor(private readonly maxKeys: number) {}

  beforeEviction(cache: LRUCache<string, AlgorithmState>, slots: LimitSlots, now: number): void {
    if (this.insertsUntilNext-- > 0) return
    const spent: string[] = []
    cache.forEach((state, key) => {
      const limit = slots.limitOf(key)
      if (limit === undefined) return
      const held = limit.step(state, now, 0).decision
      const fresh = limit.step(undefined, now, 0).decision
      if (held.remaining === fresh.remaining && held.resetAfterMs === fresh.resetAfterMs) spent.push(key)
    })
    for (const key of spent) cache.delete(key)
    this.insertsUntilNext = spent.length > 0 ? 0 : Math.max(1, Math.floor(this.maxKeys / 16))
  }
}
