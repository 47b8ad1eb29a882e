import {
  type Algorithm,
  type AlgorithmKind,
  type LimitDecision,
  type StateWrite,
  type Store,
  type StoreRequest,
  stepAll,
  stepWithin,
} from '@sluice/core'
import { Entries, type LimitTable } from './entries.ts'
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

/** Counters a memory store exposes for monitoring and tests. */
export interface MemoryStoreStats {
  /** Entries held now (one per user key and limit), expired ones not yet dropped included. */
  readonly size: number
  /** Live entries dropped because `maxKeys` was reached. */
  readonly evictions: number
  /**
   * Distinct limits (algorithm ids) that hold at least one entry: never more than `size`, so a
   * flood of limit ids (a rule per descriptor value) is bounded by `maxKeys` too.
   */
  readonly limits: number
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
  // No TTL is kept: a state past its TTL steps exactly like a fresh key, so expiry only matters
  // for reclaiming memory, which StalePurge does (by the request's clock) before a live entry
  // would be evicted.
  const entries = new Entries(maxKeys)
  const tables = new Map<string, LimitTable>()
  const purge = new StalePurge(maxKeys)
  const dropTable = (table: LimitTable): void => {
    table.live = false
    tables.delete(table.limit.id)
  }
  const drop = (slot: number): void => entries.delete(slot, dropTable)
  // The table of the limit seen last: most limiters call with one limit, the same every time.
  let lastTable: LimitTable | undefined

  function tableOf(limit: Algorithm, create: boolean): LimitTable | undefined {
    if (lastTable !== undefined && lastTable.limit === limit && lastTable.live) return lastTable
    let table = tables.get(limit.id)
    if (table === undefined) {
      if (!create) return undefined
      table = { limit, slots: new Map(), live: true }
      tables.set(limit.id, table)
    }
    lastTable = table
    return table
  }

  /** The entry's slot (0 for none); a consuming call marks it recently used, a peek does not. */
  function find(table: LimitTable | undefined, key: string, consume: boolean): number {
    const slot = table?.slots.get(key)
    if (slot === undefined) return 0
    if (consume) entries.touch(slot)
    return slot
  }

  /** Persists a write for `key` under `limit`; `slot` holds its entry now, or is 0. */
  function write(
    limit: Algorithm,
    key: string,
    slot: number,
    now: number,
    { state, ttlMs }: StateWrite,
  ): void {
    if (ttlMs <= 0) {
      if (slot !== 0) drop(slot)
      return
    }
    if (slot !== 0) {
      entries.setState(slot, state)
      return
    }
    if (entries.size >= maxKeys) {
      purge.beforeEviction(entries, now, drop)
      if (entries.size >= maxKeys) {
        drop(entries.oldest())
        evictions++
      }
    }
    // Looked up again: a purge or an eviction may have dropped the table.
    entries.add(tableOf(limit, true) as LimitTable, key, state)
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
      const slot = find(tableOf(limit, false), key, consume)
      const step = stepWithin(
        limit,
        slot === 0 ? undefined : entries.state(slot, true),
        now,
        cost,
        maxDelayMs,
      )
      if (consume && cost > 0 && step.decision.allowed) write(limit, key, slot, now, step)
      return [step.decision]
    }
    const slots = limits.map((limit) => find(tableOf(limit, false), key, consume))
    const states = slots.map((slot) => (slot === 0 ? undefined : entries.state(slot, false)))
    const { decisions, writes } = stepAll(limits, states, now, cost, consume, maxDelayMs)
    writes.forEach((w, i) => {
      write(limits[i] as Algorithm, key, slots[i] as number, now, w)
    })
    return decisions
  }

  return {
    name: 'memory',
    capabilities: { algorithms: ALGORITHMS, composite: true },
    apply: async (request) => applySync(request),
    applySync,
    reset: async (key, limits) => {
      for (const limit of limits) {
        const slot = find(tableOf(limit, false), key, false)
        if (slot !== 0) drop(slot)
      }
    },
    get size() {
      return entries.size
    },
    get evictions() {
      return evictions
    },
    get limits() {
      return tables.size
    },
  }
}
