import type { Algorithm, AlgorithmState } from '@sluice/core'
import { LRUCache } from 'lru-cache'

/**
 * The entries of one limit (one algorithm id), found by the caller's key as it is: the caller's
 * string keeps its hash cached from call to call, where a joined `key + limit` string would be
 * built and hashed on every call. A table goes away with its last entry, so limit ids without
 * number (a rule per descriptor value) cannot pile up tables.
 */
export interface LimitTable {
  readonly limit: Algorithm
  /**
   * Caller's key → slot. Undefined for the primary table: its entries are lru-cache items keyed by
   * the caller's key itself, so one lookup both finds the entry and marks it used.
   */
  readonly slots: Map<string, number> | undefined
  /** Entries held. */
  size: number
  /** False once the table has been dropped (its last entry went). */
  live: boolean
}

/** Numbers per entry kept inline; longer states (a sliding log) are kept as their array. */
const INLINE = 3
// lru-cache builds an options object per call when none is given; one shared object saves that.
const NO_OPTIONS = {}
// Every entry counts 1 against `maxSize: maxKeys`. Bounded by `maxSize` rather than `max`,
// lru-cache grows its arrays with the entries instead of allocating them all for maxKeys up front.
const SIZE_1 = { size: 1 }

/**
 * Every entry of a memory store, in numbered slots: state numbers in a Float64Array (updated in
 * place, no array per key on the heap), per slot its caller's key and table. lru-cache holds one
 * item per entry, valued by its slot: it keeps the recency order and evicts at `maxKeys`; its
 * `dispose` is the one place where an entry goes (evicted, purged or reset). Most stores serve one
 * limit, so the first table is primary: its items are keyed by the caller's string; the items of
 * the other tables by slot number (a string and a number never collide). Arrays grow by doubling.
 */
export class Entries {
  /** Live entries evicted by lru-cache at `maxKeys`. */
  evictions = 0
  private readonly lru: LRUCache<string | number, number>
  private primary: LimitTable | undefined
  private capacity: number
  private values: Float64Array
  private lengths: Uint8Array
  private readonly keys: (string | undefined)[]
  private readonly tables: (LimitTable | undefined)[]
  /** States longer than INLINE (sliding logs), by slot. */
  private readonly long = new Map<number, AlgorithmState>()
  /** Slots freed, reused first; then fresh ones from `used + 1` (slot 0 stands for none). */
  private readonly free: number[] = []
  private used = 0
  /** Reused arrays that carry a stored state into a step (steps never keep their input). */
  private readonly scratch: number[][] = [[], [0], [0, 0], [0, 0, 0]]

  /** `onEmpty` gets a table whose last entry went. */
  constructor(
    private readonly maxKeys: number,
    onEmpty: (table: LimitTable) => void,
  ) {
    // One slot more than maxKeys: a new entry takes its slot before lru-cache evicts the oldest.
    this.capacity = Math.min(maxKeys + 1, 1024)
    this.values = new Float64Array((this.capacity + 1) * INLINE)
    this.lengths = new Uint8Array(this.capacity + 1)
    this.keys = new Array<string | undefined>(this.capacity + 1).fill(undefined)
    this.tables = new Array<LimitTable | undefined>(this.capacity + 1).fill(undefined)
    // No ttl: lru-cache keeps no clock and no timer. A spent state steps like a fresh key anyway.
    // `dispose` also runs for entries evicted past maxSize, with reason 'evict'.
    this.lru = new LRUCache<string | number, number>({
      maxSize: maxKeys,
      dispose: (slot, _key, reason) => {
        const table = this.tables[slot] as LimitTable
        table.slots?.delete(this.keys[slot] as string)
        if (--table.size === 0) {
          if (table === this.primary) this.primary = undefined
          onEmpty(table)
        }
        if ((this.lengths[slot] as number) > INLINE) this.long.delete(slot)
        this.keys[slot] = undefined
        this.tables[slot] = undefined
        this.free.push(slot)
        if (reason === 'evict') this.evictions++
      },
    })
  }

  get size(): number {
    return this.lru.size
  }

  /** A table for `limit`, primary when no live table is. */
  table(limit: Algorithm): LimitTable {
    const primary = this.primary === undefined
    const table = { limit, slots: primary ? undefined : new Map<string, number>(), size: 0, live: true }
    if (primary) this.primary = table
    return table
  }

  /** The slot of `key` in `table` (0 for none); `consume` marks it used, a peek keeps nothing alive. */
  find(table: LimitTable, key: string, consume: boolean): number {
    const slots = table.slots
    if (slots === undefined) {
      return (consume ? this.lru.get(key, NO_OPTIONS) : this.lru.peek(key, NO_OPTIONS)) ?? 0
    }
    const slot = slots.get(key)
    if (slot === undefined) return 0
    if (consume) this.lru.get(slot, NO_OPTIONS)
    return slot
  }

  /**
   * The state in `slot`, in an array that is only valid until the next call of `state` with
   * `shared` true (one step reads it); `shared` false gives an array of its own.
   */
  state(slot: number, shared: boolean): AlgorithmState {
    const length = this.lengths[slot] as number
    if (length > INLINE) return this.long.get(slot) as AlgorithmState
    const out = shared ? (this.scratch[length] as number[]) : new Array<number>(length)
    const at = slot * INLINE
    for (let i = 0; i < length; i++) out[i] = this.values[at + i] as number
    return out
  }

  /** Overwrites the state of `slot`. */
  setState(slot: number, state: AlgorithmState): void {
    const length = state.length
    if (length > INLINE) {
      this.long.set(slot, state)
    } else {
      if ((this.lengths[slot] as number) > INLINE) this.long.delete(slot)
      const at = slot * INLINE
      for (let i = 0; i < length; i++) this.values[at + i] = state[i] as number
    }
    this.lengths[slot] = length > INLINE ? INLINE + 1 : length
  }

  /**
   * A new entry for `key` in `table`, most recently used. At `maxKeys` lru-cache evicts the least
   * recently used entry; the new one is counted in its table first, so that table cannot empty.
   */
  add(table: LimitTable, key: string, state: AlgorithmState): void {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.fresh()
    this.keys[slot] = key
    this.tables[slot] = table
    this.setState(slot, state)
    table.size++
    table.slots?.set(key, slot)
    this.lru.set(table.slots === undefined ? key : slot, slot, SIZE_1)
  }

  /** Removes the entry in `slot` (not counted as an eviction). */
  delete(slot: number): void {
    const table = this.tables[slot] as LimitTable
    this.lru.delete(table.slots === undefined ? (this.keys[slot] as string) : slot)
  }

  /**
   * Calls `visit` for every entry, in slot order (a walk over plain arrays is cheaper than
   * lru-cache's iterator, and a sweep drops every spent entry, whatever the order); `visit` must
   * not add or delete.
   */
  forEach(visit: (slot: number, limit: Algorithm) => void): void {
    for (let slot = 1; slot <= this.used; slot++) {
      const table = this.tables[slot]
      if (table !== undefined) visit(slot, table.limit)
    }
  }

  private fresh(): number {
    if (this.used === this.capacity) this.grow()
    return ++this.used
  }

  private grow(): void {
    const capacity = Math.min(this.maxKeys + 1, this.capacity * 2)
    const size = capacity + 1
    this.values = copied(new Float64Array(size * INLINE), this.values)
    this.lengths = copied(new Uint8Array(size), this.lengths)
    for (let i = this.capacity + 1; i < size; i++) {
      this.keys.push(undefined)
      this.tables.push(undefined)
    }
    this.capacity = capacity
  }
}

function copied<T extends Float64Array | Uint8Array>(target: T, source: T): T {
  target.set(source as never)
  return target
}
