import {
  type Algorithm,
  type AlgorithmKind,
  type AlgorithmState,
  type LimitDecision,
  type Store,
  type StoreRequest,
  stepAll,
} from '@sluice/core'
import { LRUCache } from 'lru-cache'
import { type MemoryStoreOptions, resolveOptions } from './options.ts'

const ALGORITHMS: readonly AlgorithmKind[] = [
  'fixedWindow',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
]

/**
 * An in-process store: state lives in an LRU map in this process. Every operation runs core's
 * reference step functions in one synchronous section, so it is atomic without locks.
 *
 * Not shared between processes or servers: use a Redis-protocol store for that.
 *
 * @example
 * const limiter = createRateLimiter({ store: memoryStore({ maxKeys: 50_000 }), algorithm: gcra({ rate: 10, period: '1s' }) })
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & MemoryStoreStats {
  const { maxKeys } = resolveOptions(options)
  // lru-cache measures TTLs on this clock; each operation sets it to the request's `now`,
  // so expiry follows the limiter's clock (a test's simulated time included).
  let currentNow = 0
  const cache = new LRUCache<string, AlgorithmState>({
    max: maxKeys,
    ttlAutopurge: false,
    ttlResolution: 0,
    perf: { now: () => currentNow },
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') evictions++
    },
  })
  let evictions = 0
  const expiry = new StalePurge(maxKeys)
  // Short slot numbers for limit ids keep the keys, and so the memory per key, small.
  const slots = new Map<string, number>()
  const slotOf = (limit: Algorithm): number => {
    let slot = slots.get(limit.id)
    if (slot === undefined) {
      slot = slots.size
      slots.set(limit.id, slot)
    }
    return slot
  }
  const entryKey = (key: string, limit: Algorithm): string => `${key}\u0000${slotOf(limit)}`

  function applySync({ key, limits, cost, consume, now }: StoreRequest): readonly LimitDecision[] {
    currentNow = now ?? Date.now()
    const keys = limits.map((limit) => entryKey(key, limit))
    const states = keys.map((k) => (consume ? cache.get(k) : cache.peek(k)))
    const { decisions, writes } = stepAll(limits, states, currentNow, cost, consume)
    writes.forEach((write, i) => {
      const k = keys[i] as string
      if (write.ttlMs <= 0) {
        cache.delete(k)
        return
      }
      if (!cache.has(k) && cache.size >= maxKeys) expiry.beforeEviction(cache)
      cache.set(k, write.state, { ttl: write.ttlMs })
    })
    return decisions
  }

  return {
    name: 'memory',
    capabilities: { algorithms: ALGORITHMS, composite: true },
    apply: async (request) => applySync(request),
    reset: async (key, limits) => {
      for (const limit of limits) cache.delete(entryKey(key, limit))
    },
    get size() {
      return cache.size
    },
    get evictions() {
      return evictions
    },
  }
}

/** Counters a memory store exposes for monitoring and tests. */
export interface MemoryStoreStats {
  /** Keys held now (one per key and limit), expired ones not yet dropped included. */
  readonly size: number
  /** Live keys dropped because `maxKeys` was reached. */
  readonly evictions: number
}

/**
 * Drops expired entries before the LRU has to evict a live one. A full sweep costs O(maxKeys), so
 * after a sweep that frees little, the next one waits for a share of `maxKeys` insertions: under a
 * flood of distinct keys the cost per insertion stays constant.
 */
class StalePurge {
  private insertsUntilNext = 0
  constructor(private readonly maxKeys: number) {}

  beforeEviction(cache: LRUCache<string, AlgorithmState>): void {
    if (this.insertsUntilNext-- > 0) return
    const before = cache.size
    cache.purgeStale()
    const freed = before - cache.size
    this.insertsUntilNext = freed > 0 ? 0 : Math.max(1, Math.floor(this.maxKeys / 16))
  }
}
