import type { Entries } from './entries.ts'

/**
 * Drops spent entries before lru-cache has to evict a live one. A state is spent when it decides
 * exactly like a fresh key (its window passed, its bucket refilled). A full sweep costs
 * O(maxKeys), so after a sweep that frees nothing the next waits for a sixteenth of `maxKeys`
 * insertions: under a flood of distinct live keys the cost per insertion stays constant.
 */
export class StalePurge {
  private insertsUntilNext = 0
  constructor(private readonly maxKeys: number) {}

  /** Runs a sweep when one is due; `drop` deletes the entry in a slot. */
  beforeEviction(entries: Entries, now: number, drop: (slot: number) => void): void {
    if (this.insertsUntilNext-- > 0) return
    const spent: number[] = []
    entries.forEach((slot, limit) => {
      const held = limit.step(entries.state(slot, true), now, 0).decision
      const fresh = limit.step(undefined, now, 0).decision
      if (held.remaining === fresh.remaining && held.resetAfterMs === fresh.resetAfterMs) spent.push(slot)
    })
    for (const slot of spent) drop(slot)
    this.insertsUntilNext = spent.length > 0 ? 0 : Math.max(1, Math.floor(this.maxKeys / 16))
  }
}
