import { type Algorithm, InputError, type LimitDecision } from '@sluice/core'
import {
  ALGORITHM_KINDS,
  type BanRequest,
  banState,
  type ChargeRequest,
  chargeAll,
  penaltyStep,
  type RefundRequest,
  refundAll,
  type StateWrite,
  type Store,
  type StoreRequest,
  stepAll,
  stepWithin,
} from '@sluice/core/store'
import { BLOCK_LIMIT, blockState } from './blocks.ts'
import { Entries, type LimitTable } from './entries.ts'
import { type MemoryStoreOptions, resolveOptions } from './options.ts'
import { StalePurge } from './stalePurge.ts'

/** What a decider writes its answer into (see `Store.syncDecider`). */
type DecisionOut = { -readonly [F in keyof LimitDecision]: LimitDecision[F] }

/** Counters a memory store exposes for monitoring and tests. */
export interface MemoryStoreStats {
  /** Entries held now (one per user key and limit), expired ones not yet dropped included. */
  readonly size: number
  /** Live entries dropped because `maxKeys` or `maxBytes` was reached. */
  readonly evictions: number
  /**
   * Bytes held now, as the store counts them against `maxBytes` (see `MemoryStoreOptions`): an
   * upper estimate of the heap its entries take, key strings included.
   */
  readonly bytes: number
  /**
   * Distinct limits (algorithm ids) that hold at least one entry: never more than `size`, so a
   * flood of limit ids (a rule per descriptor value) is bounded by `maxKeys` too.
   */
  readonly limits: number
}

/**
 * An in-process store: state lives in this process, its recency order in lru-cache. Every
 * operation runs core's reference step functions in one synchronous section, so it is atomic
 * without locks. No timers, no Node built-ins: it runs on edge runtimes too.
 *
 * Memory is bounded twice: by entries (`maxKeys`) and by bytes (`maxBytes`), so long keys cannot
 * grow it past the budget; past either, spent entries go first, then the least recently used. A
 * key too long to fit in `maxBytes` is refused with an `InputError`.
 *
 * Not shared between processes or servers: use a Redis-protocol store for that.
 *
 * @example
 * const limiter = createRateLimiter({
 *   store: memoryStore({ maxKeys: 50_000, maxBytes: 16 * 1024 * 1024 }),
 *   algorithm: gcra({ rate: 10, period: '1s' }),
 * })
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & MemoryStoreStats {
  const { maxKeys, maxBytes } = resolveOptions(options)
  // Limit id → start → table: one table per limit and limiter-key start (see `split`).
  const tables = new Map<string, Map<string, LimitTable>>()
  const dropTable = (table: LimitTable): void => {
    table.live = false
    const byStart = tables.get(table.limit.id)
    byStart?.delete(table.start)
    if (byStart?.size === 0) tables.delete(table.limit.id)
  }
  // No TTL is kept: a state past its TTL steps exactly like a fresh key, so expiry only matters
  // for reclaiming memory, which StalePurge does (by the request's clock) before lru-cache would
  // evict a live entry.
  const entries = new Entries(maxKeys, maxBytes, dropTable)
  const longestKey = entries.longestKey
  const purge = new StalePurge(maxKeys)
  const drop = (slot: number): void => entries.delete(slot)
  /**
   * Limiter-key starts that a limiter's decider asked for: a key that begins with one is kept
   * under it, by the rest of the key (the caller's own string, with its hash cached from call to
   * call), whether it comes through the decider or `applySync`; any other key is kept whole.
   */
  const starts = new Set<string>()
  // The table seen last: most limiters call with one limit, the same every time.
  let lastTable: LimitTable | undefined

  function tableOf(limit: Algorithm, start: string, create: boolean): LimitTable | undefined {
    const last = lastTable
    if (last !== undefined && last.limit === limit && last.start === start && last.live) return last
    let byStart = tables.get(limit.id)
    let table = byStart?.get(start)
    if (table === undefined) {
      if (!create) return undefined
      table = entries.table(limit, start)
      if (byStart === undefined) {
        byStart = new Map()
        tables.set(limit.id, byStart)
      }
      byStart.set(start, table)
    }
    lastTable = table
    return table
  }

  /** The entry's slot (0 for none); a consuming call marks it recently used, a peek does not. */
  function find(limit: Algorithm, start: string, key: string, consume: boolean): number {
    const table = tableOf(limit, start, false)
    return table === undefined ? 0 : entries.find(table, key, consume)
  }

  /** Persists a write for `key` under `limit` and `start`; `slot` holds its entry now, or is 0. */
  function write(
    limit: Algorithm,
    start: string,
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
      // Only a growing sliding log gets here: spent entries go first, then the least recently used.
      if (entries.bytes > maxBytes) {
        purge.beforeEviction(entries, now, drop)
        entries.trim()
      }
      return
    }
    if (entries.full(key)) purge.beforeEviction(entries, now, drop)
    // Looked up again: a purge may have dropped the table. Past maxKeys or maxBytes, add evicts.
    entries.add(tableOf(limit, start, true) as LimitTable, key, state)
  }

  /** Refuses a key whose entry alone could not fit in `maxBytes`, before anything is written. */
  function tooLong(key: string): InputError {
    return new InputError(
      `memoryStore: a key of ${key.length} characters does not fit in maxBytes ${maxBytes} (the longest that does is ${longestKey}); hash long keys first (e.g. SHA-256 of the value), or raise maxBytes`,
    )
  }

  /** One limit's step for `key` under `start`, written when it admits a consuming call. */
  function applyOne(
    limit: Algorithm,
    start: string,
    key: string,
    cost: number,
    consume: boolean,
    now: number,
    maxDelayMs: number | undefined,
  ): LimitDecision {
    const slot = find(limit, start, key, consume)
    // Checked on a miss only: a key too long to fit never has an entry.
    if (slot === 0 && key.length > longestKey) throw tooLong(key)
    const step = stepWithin(limit, slot === 0 ? undefined : entries.state(slot, true), now, cost, maxDelayMs)
    if (consume && cost > 0 && step.decision.allowed) write(limit, start, key, slot, now, step)
    return step.decision
  }

  /** The start a limiter key is kept under: a registered start it begins with, else ''. */
  function startOf(key: string): string {
    if (starts.size === 0) return ''
    const end = key.indexOf(':') + 1
    if (end === 0) return ''
    const start = key.slice(0, end)
    return starts.has(start) ? start : ''
  }

  function applySync({
    key: whole,
    limits,
    cost,
    costs,
    consume,
    now = Date.now(),
    maxDelayMs,
    penalty,
  }: StoreRequest): readonly LimitDecision[] {
    const start = startOf(whole)
    const key = start === '' ? whole : whole.slice(start.length)
    if (penalty !== undefined) {
      // Blocks: core's penaltyStep on the key's block state and counters, in this one section.
      if (key.length > longestKey) throw tooLong(key)
      const states = limits.map((limit) => {
        const slot = find(limit, start, key, consume)
        return slot === 0 ? undefined : entries.state(slot, false)
      })
      const held = find(BLOCK_LIMIT, start, key, consume)
      const block = held === 0 ? undefined : blockState(entries.state(held, true))
      const result = penaltyStep(limits, states, block, now, cost, consume, maxDelayMs, penalty, costs)
      result.writes.forEach((w, i) => {
        // A limit that took 0 of per-limit costs is left alone.
        if (w === undefined) return
        const limit = limits[i] as Algorithm
        write(limit, start, key, find(limit, start, key, false), now, w)
      })
      if (result.block !== undefined)
        write(BLOCK_LIMIT, start, key, find(BLOCK_LIMIT, start, key, false), now, result.block)
      return result.decisions
    }
    // One limit: stepAll reduces to the step itself; calling it directly saves allocations. (A
    // limiter sends `costs` only when they differ, so only for several limits.)
    if (limits.length === 1 && costs === undefined)
      return [applyOne(limits[0] as Algorithm, start, key, cost, consume, now, maxDelayMs)]
    if (key.length > longestKey) throw tooLong(key)
    const slots = limits.map((limit) => find(limit, start, key, consume))
    const states = slots.map((slot) => (slot === 0 ? undefined : entries.state(slot, false)))
    const { decisions, writes } = stepAll(limits, states, now, cost, consume, maxDelayMs, costs)
    writes.forEach((w, i) => {
      if (w === undefined) return
      const limit = limits[i] as Algorithm
      // Found again: an earlier write's purge may have dropped this entry and reused its slot.
      write(limit, start, key, find(limit, start, key, false), now, w)
    })
    return decisions
  }

  /** Gives units back (see `Store.refund`): core's `refundAll` on every limit, in one synchronous section. */
  function refundSync({
    key: whole,
    limits,
    cost,
    costs,
    now = Date.now(),
    takenResetMs,
  }: RefundRequest): void {
    const start = startOf(whole)
    const key = start === '' ? whole : whole.slice(start.length)
    const states = limits.map((limit) => {
      const slot = find(limit, start, key, false)
      return slot === 0 ? undefined : entries.state(slot, false)
    })
    const writes = refundAll(limits, states, now, cost, takenResetMs, costs)
    writes.forEach((w, i) => {
      const limit = limits[i] as Algorithm
      // Found again: an earlier write's purge may have dropped this entry and reused its slot.
      if (w !== undefined) write(limit, start, key, find(limit, start, key, false), now, w)
    })
  }

  /** Takes units past the limit (see `Store.charge`): core's `chargeAll`, in one synchronous section. */
  function chargeSync({
    key: whole,
    limits,
    cost,
    costs,
    now = Date.now(),
  }: ChargeRequest): readonly LimitDecision[] {
    const start = startOf(whole)
    const key = start === '' ? whole : whole.slice(start.length)
    if (key.length > longestKey) throw tooLong(key)
    const states = limits.map((limit) => {
      const slot = find(limit, start, key, false)
      return slot === 0 ? undefined : entries.state(slot, false)
    })
    const { writes, decisions } = chargeAll(limits, states, now, cost, costs)
    writes.forEach((w, i) => {
      const limit = limits[i] as Algorithm
      // Found again: an earlier write's purge may have dropped this entry and reused its slot.
      if (w !== undefined) write(limit, start, key, find(limit, start, key, false), now, w)
    })
    return decisions
  }

  /**
   * `applySync` for one limit under `start`, by the caller's key: no request, no joined key, no
   * reply array. None for a start that is no limiter prefix (one `:`, at its end), or whose keys
   * this store already holds whole (written by `apply` before this start was asked for): those
   * calls go through `applySync`, which finds them.
   */
  function syncDecider(start: string, limit: Algorithm) {
    if (start.indexOf(':') !== start.length - 1) return undefined
    if (!starts.has(start)) {
      if (entries.holdsKeysOf(start)) return undefined
      starts.add(start)
    }
    return (
      key: string,
      cost: number,
      consume: boolean,
      now: number,
      maxDelayMs: number | undefined,
      out: DecisionOut,
    ): void => {
      const d = applyOne(limit, start, key, cost, consume, now, maxDelayMs)
      out.allowed = d.allowed
      out.limit = d.limit
      out.remaining = d.remaining
      out.resetAfterMs = d.resetAfterMs
      out.retryAfterMs = d.retryAfterMs
      out.delayMs = d.delayMs
    }
  }

  /** `Store.ban`: core's `banState` of the key's block state, written in one synchronous section. */
  function banSync({ key: whole, durationMs, now = Date.now() }: BanRequest): void {
    const start = startOf(whole)
    const key = start === '' ? whole : whole.slice(start.length)
    if (key.length > longestKey) throw tooLong(key)
    const slot = find(BLOCK_LIMIT, start, key, true)
    const held = slot === 0 ? undefined : blockState(entries.state(slot, true))
    write(BLOCK_LIMIT, start, key, slot, now, banState(held, now, durationMs))
  }

  return {
    name: 'memory',
    capabilities: {
      algorithms: ALGORITHM_KINDS,
      composite: true,
      penalties: true,
      costs: true,
      charge: true,
    },
    apply: async (request) => applySync(request),
    applySync,
    syncDecider,
    refund: async (request) => refundSync(request),
    charge: async (request) => chargeSync(request),
    ban: async (request) => banSync(request),
    unban: async (whole) => {
      const start = startOf(whole)
      const slot = find(BLOCK_LIMIT, start, start === '' ? whole : whole.slice(start.length), false)
      if (slot !== 0) drop(slot)
    },
    reset: async (whole, limits) => {
      const start = startOf(whole)
      const key = start === '' ? whole : whole.slice(start.length)
      for (const limit of limits) {
        const slot = find(limit, start, key, false)
        if (slot !== 0) drop(slot)
      }
    },
    get size() {
      return entries.size
    },
    get evictions() {
      return entries.evictions
    },
    get bytes() {
      return entries.bytes
    },
    get limits() {
      return tables.size
    },
  }
}
