import type { Algorithm, AlgorithmState } from '@sluice/core'

/**
 * The states of one limit (one algorithm id), by the caller's key as it is: the caller's string
 * keeps its hash cached from call to call, where a joined `key + limit` string would be built and
 * hashed on every call. A table goes away with its last entry, so limit ids without number (a rule
 * per descriptor value) cannot pile up tables.
 */
export interface LimitTable {
  readonly limit: Algorithm
  /** Caller's key → entry slot. */
  readonly slots: Map<string, number>
  /** False once the table has been dropped (its last entry went). */
  live: boolean
}

/** Numbers per entry kept inline; longer states (a sliding log) are kept as their array. */
const INLINE = 3
/** Slot 0 is the sentinel of the recency list: next[0] is the least recently used entry. */
const NIL = 0

/**
 * Every entry of a memory store, in slots: state numbers in a Float64Array (updated in place, no
 * array per key on the heap), an exact LRU order in two Uint32Arrays (as lru-cache keeps it), and
 * per slot its caller's key and table. Arrays grow by doubling up to `maxKeys` entries.
 */
export class Entries {
  size = 0
  private capacity: number
  private next: Uint32Array
  private prev: Uint32Array
  private values: Float64Array
  private lengths: Uint8Array
  private readonly keys: (string | undefined)[]
  private readonly tables: (LimitTable | undefined)[]
  /** States longer than INLINE (sliding logs), by slot. */
  private readonly long = new Map<number, AlgorithmState>()
  /** Slots freed by deletion, reused first; then fresh ones from `used + 1`. */
  private readonly free: number[] = []
  private used = 0
  /** Reused arrays that carry a stored state into a step (steps never keep their input). */
  private readonly scratch: number[][] = [[], [0], [0, 0], [0, 0, 0]]

  constructor(private readonly maxKeys: number) {
    this.capacity = Math.min(maxKeys, 1024)
    this.next = new Uint32Array(this.capacity + 1)
    this.prev = new Uint32Array(this.capacity + 1)
    this.values = new Float64Array((this.capacity + 1) * INLINE)
    this.lengths = new Uint8Array(this.capacity + 1)
    this.keys = new Array<string | undefined>(this.capacity + 1).fill(undefined)
    this.tables = new Array<LimitTable | undefined>(this.capacity + 1).fill(undefined)
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

  /** Marks `slot` the most recently used. */
  touch(slot: number): void {
    if (this.prev[NIL] === slot) return
    this.unlink(slot)
    this.append(slot)
  }

  /** A new entry for `key` in `table` (the caller has made room), most recently used. */
  add(table: LimitTable, key: string, state: AlgorithmState): number {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.fresh()
    this.keys[slot] = key
    this.tables[slot] = table
    this.setState(slot, state)
    table.slots.set(key, slot)
    this.append(slot)
    this.size++
    return slot
  }

  /** Removes the entry in `slot`; `onEmpty` gets its table when that was the table's last entry. */
  delete(slot: number, onEmpty: (table: LimitTable) => void): void {
    const table = this.tables[slot] as LimitTable
    table.slots.delete(this.keys[slot] as string)
    if (table.slots.size === 0) onEmpty(table)
    if ((this.lengths[slot] as number) > INLINE) this.long.delete(slot)
    this.keys[slot] = undefined
    this.tables[slot] = undefined
    this.unlink(slot)
    this.free.push(slot)
    this.size--
  }

  /** The least recently used entry's slot, or 0 when there is none. */
  oldest(): number {
    return this.next[NIL] as number
  }

  /** Calls `visit` for every entry, least recently used first; `visit` must not add or delete. */
  forEach(visit: (slot: number, limit: Algorithm) => void): void {
    for (let slot = this.next[NIL] as number; slot !== NIL; slot = this.next[slot] as number) {
      visit(slot, (this.tables[slot] as LimitTable).limit)
    }
  }

  private fresh(): number {
    if (this.used === this.capacity) this.grow()
    return ++this.used
  }

  private grow(): void {
    const capacity = Math.min(this.maxKeys, this.capacity * 2)
    const size = capacity + 1
    this.next = copied(new Uint32Array(size), this.next)
    this.prev = copied(new Uint32Array(size), this.prev)
    this.values = copied(new Float64Array(size * INLINE), this.values)
    this.lengths = copied(new Uint8Array(size), this.lengths)
    for (let i = this.capacity + 1; i < size; i++) {
      this.keys.push(undefined)
      this.tables.push(undefined)
    }
    this.capacity = capacity
  }

  private append(slot: number): void {
    const last = this.prev[NIL] as number
    this.next[last] = slot
    this.prev[slot] = last
    this.next[slot] = NIL
    this.prev[NIL] = slot
  }

  private unlink(slot: number): void {
    const before = this.prev[slot] as number
    const after = this.next[slot] as number
    this.next[before] = after
    this.prev[after] = before
  }
}

function copied<T extends Uint32Array | Float64Array | Uint8Array>(target: T, source: T): T {
  target.set(source as never)
  return target
}
