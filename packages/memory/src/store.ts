import {
  type Algorithm,
  type AlgorithmKind,
  type AlgorithmState,
  type LimitDecision,
  type StateWrite,
  type Store,
  type StoreRequest,
  stepAll,
  stepWithin,
} from '@sluice/core'
import { LRUCache } from 'lru-cache'
import { type MemoryStoreOptions, resolveOptions } from './options.ts'
import { StalePurge } from './stalePurge.ts'

const ALGORITHMS: readonly AlgorithmKind[] = [
  'fixedWindow',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
]

// lru-cache allocates a fresh options object per call when none is given; share one instead.
const NO_OPTIONS = {}

/** Counters a memory store exposes for monitoring and tests. */
export interface MemoryStoreStats {
  /** Entries held now (one per user key and limit), expired ones not yet dropped included. */
  readonly size: number
  /** Live entries dropped because `maxKeys` was reached. */
  readonly evictions: number
}

/**
 * An in-process store: state lives in an LRU map in this process. Every operation runs core's
 * reference step functions in one synchronous section, so it is atomic without locks. No timers,
 * no Node built-ins: it runs on edge runtimes too.
 *
 * Not shared between processes or servers: use a Redis-protocol store for that.
 *
 * @example
 * const limiter = createRateLimiter({
 *   store: memoryStore({ maxKeys: 50_000 }),
 *   algorithm: gcra({ rate: 10, period: '1s' }),
 * })
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & MemoryStoreStats {
  const { maxKeys } = resolveOptions(options)
  let evictions = 0
  // Values are the step functions' own state arrays, stored as returned. No TTL is kept: a state
  // past its TTL steps exactly like a fresh key, so expiry only matters for reclaiming memory,
  // which StalePurge does (by the request's clock) before a live entry would be evicted.
  const cache = new LRUCache<string, AlgorithmState>({
    max: maxKeys,
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') evictions++
    },
  })
  const slots = new LimitSlots()
  const purge = new StalePurge(maxKeys)
  // join() builds one flat string; `+` would keep a rope that costs ~90 bytes more per key.
  const entryKey = (key: string, limit: Algorithm): string => [key, slots.of(limit)].join('')

  // peek() leaves recency alone, so peeks cannot keep an entry alive.
  const read = (key: string, consume: boolean): AlgorithmState | undefined =>
    consume ? cache.get(key, NO_OPTIONS) : cache.peek(key, NO_OPTIONS)

  /** Persists a write; `held` is the array stored under `key` now (read just before), if any. */
  function write(
    key: string,
    held: AlgorithmState | undefined,
    now: number,
    { state, ttlMs }: StateWrite,
  ): void {
    if (ttlMs <= 0) {
      cache.delete(key)
      return
    }
    if (held !== undefined && held.length === state.length) {
      // Copy into the array already stored: the step's new array then dies young, which is
      // cheap, instead of surviving into the old generation on every admitted call.
      const target = held as number[]
      for (let i = 0; i < state.length; i++) target[i] = state[i] as number
      return
    }
    if (held === undefined && cache.size >= maxKeys) purge.beforeEviction(cache, slots, now)
    cache.set(key, state, NO_OPTIONS)
  }

  function applySync({
    key,
    limits,
    cost,
    consume,
    now = Date.now(),
    maxDelayMs,
  }: StoreRequest): readonly LimitDecision[] {
    if (limits.length === 1) {
      // One limit: stepAll reduces to the step itself; calling it directly saves allocations.
      const limit = limits[0] as Algorithm
      const k = entryKey(key, limit)
      const held = read(k, consume)
      const step = stepWithin(limit, held, now, cost, maxDelayMs)
      if (consume && cost > 0 && step.decision.allowed) write(k, held, now, step)
      return [step.decision]
    }
    const keys = limits.map((limit) => entryKey(key, limit))
    const states = keys.map((k) => read(k, consume))
    const { decisions, writes } = stepAll(limits, states, now, cost, consume, maxDelayMs)
    writes.forEach((w, i) => {
      write(keys[i] as string, states[i], now, w)
    })
    return decisions
  }

  return {
    name: 'memory',
    capabilities: { algorithms: ALGORITHMS, composite: true },
    apply: async (request) => applySync(request),
    applySync,
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

/**
 * Numbers each distinct limit (kind + params) seen by this store. The slot ends every entry key,
 * after a NUL, so entries of different limits never collide and keys stay short.
 */
export class LimitSlots {
  private readonly byId = new Map<string, string>()
  private readonly limits: Algorithm[] = []

  of(limit: Algorithm): string {
    let slot = this.byId.get(limit.id)
    if (slot === undefined) {
      slot = `\u0000${this.limits.length}`
      this.byId.set(limit.id, slot)
      this.limits.push(limit)
    }
    return slot
  }

  /** The limit whose state an entry key holds. */
  limitOf(entryKey: string): Algorithm | undefined {
    return this.limits[Number(entryKey.slice(entryKey.lastIndexOf('\u0000') + 1))]
  }
}
