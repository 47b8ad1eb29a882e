import { type Algorithm, type AlgorithmState, type Store, stepAll } from '@sluice/core'
import { ALL_ALGORITHMS } from './options.ts'

interface Entry {
  readonly state: AlgorithmState
  /** The first instant at which the state no longer matters (written at + ttlMs). */
  readonly expiresAt: number
}

/**
 * The reference model of a store: a Map of states stepped by core's `stepAll`, writing only what
 * `stepAll` says to write, and dropping a state as soon as its TTL has passed (`now >= writtenAt + ttlMs`),
 * the earliest a store may drop it, so that a store keeping it longer must still agree.
 * It needs the limiter's clock: it has no clock of its own.
 */
export function referenceStore(): Store {
  const keys = new Map<string, Map<string, Entry>>()
  return {
    name: 'reference',
    capabilities: { algorithms: ALL_ALGORITHMS, composite: true },
    async apply({ key, limits, cost, consume, now, maxDelayMs }) {
      if (now === undefined)
        throw new Error('store-conformance: the reference model needs a controlled clock')
      const entries = keys.get(key) ?? new Map<string, Entry>()
      const states = limits.map((limit) => {
        const entry = entries.get(limit.id)
        return entry !== undefined && now < entry.expiresAt ? entry.state : undefined
      })
      const { decisions, writes } = stepAll(limits, states, now, cost, consume, maxDelayMs)
      writes.forEach((write, i) => {
        entries.set((limits[i] as Algorithm).id, { state: write.state, expiresAt: now + write.ttlMs })
      })
      keys.set(key, entries)
      return decisions
    },
    async reset(key, limits) {
      const entries = keys.get(key)
      for (const limit of limits) entries?.delete(limit.id)
    },
  }
}
