import { type AlgorithmKind, type AlgorithmState, type Store, stepAll } from '@sluice/core'

const ALL: readonly AlgorithmKind[] = [
  'fixedWindow',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
]

/**
 * The reference a store must match: core's `stepAll` over a Map of states, writing only what it
 * says to write, and dropping a state at the first instant its TTL allows (`now >= writtenAt +
 * ttlMs`), so a store that keeps it longer must still decide alike. Needs the limiter's clock.
 */
export function referenceStore(): Store {
  const entries = new Map<string, { state: AlgorithmState; expiresAt: number }>()
  const id = (key: string, limitId: string) => `${key}\u0000${limitId}`
  return {
    name: 'reference',
    capabilities: { algorithms: ALL, composite: true },
    async apply({ key, limits, cost, consume, now }) {
      if (now === undefined) throw new Error('the reference store needs a controlled clock')
      const states = limits.map((limit) => {
        const entry = entries.get(id(key, limit.id))
        return entry !== undefined && now < entry.expiresAt ? entry.state : undefined
      })
      const { decisions, writes } = stepAll(limits, states, now, cost, consume)
      writes.forEach((write, i) => {
        entries.set(id(key, (limits[i] as (typeof limits)[number]).id), {
          state: write.state,
          expiresAt: now + write.ttlMs,
        })
      })
      return decisions
    },
    async reset(key, limits) {
      for (const limit of limits) entries.delete(id(key, limit.id))
    },
  }
}
