import type { AlgorithmKind, AlgorithmState, Store, StoreCapabilities } from '../src/index.ts'
import { stepAll } from '../src/index.ts'

const ALL: readonly AlgorithmKind[] = [
  'fixedWindow',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
]

/** The simplest correct store: a Map and core's stepAll. Core's own tests need no store package. */
export function referenceStore(
  capabilities: StoreCapabilities = { algorithms: ALL, composite: true },
): Store {
  const states = new Map<string, { state: AlgorithmState; expiresAt: number }>()
  return {
    name: 'reference',
    capabilities,
    async apply({ key, limits, cost, consume, now = Date.now() }) {
      const keys = limits.map((l) => `${key}|${l.id}`)
      const current = keys.map((k) => {
        const entry = states.get(k)
        return entry !== undefined && entry.expiresAt > now ? entry.state : undefined
      })
      const { decisions, writes } = stepAll(limits, current, now, cost, consume)
      writes.forEach((w, i) => {
        states.set(keys[i] as string, { state: w.state, expiresAt: now + w.ttlMs })
      })
      return decisions
    },
    async reset(key, limits) {
      for (const l of limits) states.delete(`${key}|${l.id}`)
    },
  }
}
