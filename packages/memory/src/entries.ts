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
   * The start of every limiter key in this table ('' for whole keys): a limiter prefix that a
   * limiter's decider asked for (`syncDecider`), so its entries are found by the caller's own key.
   */
  readonly start: string
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

/**
 * What `bytes` counts, measured on Node 20 (64-bit, heap after a full GC plus typed arrays): an
 * entry's slot, lru-cache item and key string header come to 140–232 bytes (more just after an
 * array doubled, more for a second limit's slot map); a key's characters at most 2 bytes each (V8
 * keeps a string of Latin-1 characters in 1, any other in 2); a state longer than INLINE its array
 * and map entry plus 8 bytes per number; a limit's table its object, slot map and the limit
 * itself, about 950.
 */
const ENTRY_BYTES = 256
const KEY_CHAR_BYTES = 2
const LONG_STATE_BYTES = 128
const STATE_NUMBER_BYTES = 8
const TABLE_BYTES = 1024

const longStateBytes = (length: number): number => LONG_STATE_BYTES + STATE_NUMBER_BYTES * length
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
  /** Live entries evicted at `maxKeys` or `maxBytes`. */
  evictions = 0
  /** Estimated bytes held by entries and tables (see ENTRY_BYTES): what `maxBytes` bounds. */
  bytes = 0
  /** The longest key whose entry (with a table of its own) fits in `maxBytes`. */
  readonly longestKey: number
  private readonly lru: LRUCache<string | number, number>
  private primary: LimitTable | undefined
  private capacity: number
  private values: Float64Array
  private lengths: Uint8Array
  private readonly keys: (string | undefined)[]
  private readonly tables: (LimitTable | undefined)[]
  /**
   * States longer than INLINE (sliding logs), by slot; such a slot keeps its state's length in its
   * first inline number, so a state's bytes are known without a lookup.
   */
  private readonly long = new Map<number, AlgorithmState>()
  /** Slots freed, reused first; then fresh ones from `used + 1` (slot 0 stands for none). */
  private readonly free: number[] = []
  private used = 0
  /** Reused arrays that carry a stored state into a step (steps never keep their input). */
  private readonly scratch: number[][] = [[], [0], [0, 0], [0, 0, 0]]

  /** `onEmpty` gets a table whose last entry went. */
  constructor(
    private readonly maxKeys: number,
    private readonly maxBytes: number,
    onEmpty: (table: LimitTable) => void,
  ) {
    this.longestKey = Math.floor((maxBytes - ENTRY_BYTES - TABLE_BYTES) / KEY_CHAR_BYTES)
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
        const key = this.keys[slot] as string
        table.slots?.delete(key)
        this.bytes -= ENTRY_BYTES + KEY_CHAR_BYTES * key.length
        if (--table.size === 0) {
          if (table === this.primary) this.primary = undefined
          this.bytes -= TABLE_BYTES
          onEmpty(table)
        }
        if ((this.lengths[slot] as number) > INLINE) {
          this.bytes -= longStateBytes(this.values[slot * INLINE] as number)
          this.long.delete(slot)
        }
        this.lengths[slot] = 0
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

  /** A table for `limit` under `start`, primary when no live table is. */
  table(limit: Algorithm, start: string): LimitTable {
    const primary = this.primary === undefined
    const slots = primary ? undefined : new Map<string, number>()
    const table = { limit, start, slots, size: 0, live: true }
    if (primary) this.primary = table
    this.bytes += TABLE_BYTES
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

  /** Overwrites the state of `slot`; an inline state changes no byte count. */
  setState(slot: number, state: AlgorithmState): void {
    const length = state.length
    const at = slot * INLINE
    const wasLong = (this.lengths[slot] as number) > INLINE
    if (length > INLINE) {
      this.long.set(slot, state)
      // A long state's length sits in its first inline number (see `long`).
      this.bytes += wasLong
        ? STATE_NUMBER_BYTES * (length - (this.values[at] as number))
        : longStateBytes(length)
      this.values[at] = length
    } else {
      if (wasLong) {
        this.bytes -= longStateBytes(this.values[at] as number)
        this.long.delete(slot)
      }
      for (let i = 0; i < length; i++) this.values[at + i] = state[i] as number
    }
    this.lengths[slot] = length > INLINE ? INLINE + 1 : length
  }

  /** Whether an entry for `key` would take the store past `maxKeys` or `maxBytes`. */
  full(key: string): boolean {
    return (
      this.lru.size >= this.maxKeys || this.bytes + ENTRY_BYTES + KEY_CHAR_BYTES * key.length > this.maxBytes
    )
  }

  /** Evicts least recently used entries until the store is within `maxBytes`. */
  trim(): void {
    while (this.bytes > this.maxBytes && this.lru.size > 0) this.lru.pop()
  }

  /**
   * A new entry for `key` in `table`, most recently used. At `maxKeys` lru-cache evicts the least
   * recently used entry; the new one is counted in its table first, so that table cannot empty.
   * Past `maxBytes`, `trim` evicts the least recently used entries; the new one goes last.
   */
  add(table: LimitTable, key: string, state: AlgorithmState): void {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.fresh()
    this.keys[slot] = key
    this.tables[slot] = table
    this.setState(slot, state)
    this.bytes += ENTRY_BYTES + KEY_CHAR_BYTES * key.length
    table.size++
    table.slots?.set(key, slot)
    this.lru.set(table.slots === undefined ? key : slot, slot, SIZE_1)
    this.trim()
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

  /** Whether an entry of a whole-key table ('' start) has a key that begins with `start`. */
  holdsKeysOf(start: string): boolean {
    for (let slot = 1; slot <= this.used; slot++) {
      if (this.tables[slot]?.start === '' && (this.keys[slot] as string).startsWith(start)) return true
    }
    return false
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
