import { readFileSync } from 'node:fs'

/**
 * The measuring harness shared by every case family: a seeded key sequence, interleaved rounds
 * with a warm-up, and the statistics (median, spread, per-round ratios).
 *
 * A contender is anything that can run one timed slice and report what it did; where it runs
 * (this thread, a worker, a process talking to Redis) is the case's business.
 */

/** What one timed slice of one contender did. */
export interface SliceResult {
  /** Decisions made. */
  readonly calls: number
  /** Wall time of those decisions, in milliseconds (set-up and clean-up excluded). */
  readonly ms: number
  /** How many of the decisions admitted the call. */
  readonly admitted: number
  /** CPU time the measuring thread got during those `ms`, where the OS tells (Linux); else undefined. */
  readonly cpuMs?: number | undefined
}

export interface Slicer {
  readonly name: string
  slice(): Promise<SliceResult>
}

export interface RoundsOptions {
  /** Measured rounds; every contender runs once per round. */
  readonly rounds: number
  /** Unmeasured rounds first, so every contender is compiled and warm. */
  readonly warmup: number
  /** Told after each slice, for a progress line. */
  readonly onSlice?: (name: string, round: number, result: SliceResult) => void
}

/** One result per measured round for each contender, in the order contenders were given. */
export type Samples = ReadonlyMap<string, readonly SliceResult[]>

/**
 * Runs contenders interleaved: A B C, B C A, C A B, … The starting contender rotates each round so
 * that none always follows the same neighbour (whose garbage or heat it would inherit).
 */
export async function interleave(slicers: readonly Slicer[], options: RoundsOptions): Promise<Samples> {
  for (let w = 0; w < options.warmup; w++) {
    for (const s of slicers) options.onSlice?.(s.name, -1 - w, await s.slice())
  }
  const samples = new Map<string, SliceResult[]>(slicers.map((s) => [s.name, []]))
  for (let round = 0; round < options.rounds; round++) {
    for (let j = 0; j < slicers.length; j++) {
      const s = slicers[(round + j) % slicers.length] as Slicer
      const result = await s.slice()
      samples.get(s.name)?.push(result)
      options.onSlice?.(s.name, round, result)
    }
  }
  return samples
}

/** Decisions per second of one slice. */
export function rate(result: SliceResult): number {
  return result.calls / (result.ms / 1000)
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The largest of `values` (`floor` when there are none): a loop, since a spread of many values overflows the stack. */
export function largest(values: readonly number[], floor = Number.NEGATIVE_INFINITY): number {
  let most = floor
  for (const v of values) if (v > most) most = v
  return most
}

/** The smallest of `values` (`Infinity` when there are none). */
export function smallest(values: readonly number[]): number {
  let least = Number.POSITIVE_INFINITY
  for (const v of values) if (v < least) least = v
  return least
}

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: smallest(values), max: largest(values) }
}

/**
 * The median over rounds of a[round] / b[round]. Both ran in the same round, moments apart, so a
 * slow patch of a shared machine cancels out of each ratio; the median drops the odd round it did not.
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length)
  const ratios: number[] = []
  for (let i = 0; i < n; i++) ratios.push((a[i] as number) / (b[i] as number))
  return median(ratios)
}

/** mulberry32: a small seeded generator, so every run and every contender sees the same keys. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * `length` picks among `keys`, uniformly at random from `seed`. The strings are the key objects
 * themselves, reused call after call, as a caller that keeps its keys would pass them.
 */
export function keySequence(keys: readonly string[], length: number, seed: number): string[] {
  const random = seededRandom(seed)
  const sequence = new Array<string>(length)
  for (let i = 0; i < length; i++) sequence[i] = keys[Math.floor(random() * keys.length)] as string
  return sequence
}

/**
 * CPU time of the calling thread in milliseconds (Linux: /proc/thread-self/schedstat), or undefined.
 * Compared with wall time it shows how much of a slice other processes took.
 */
export function threadCpuMs(): number | undefined {
  return schedStat()?.cpuMs
}

/** How long a task ran on a CPU and how long it was runnable but waited for one, in milliseconds. */
export interface SchedStat {
  readonly cpuMs: number
  readonly waitMs: number
}

/**
 * The scheduler's account of a task (Linux: /proc/…/schedstat): the calling thread by default, or
 * the main thread of process `pid` (a server the case started). Undefined where the OS does not tell.
 * The wait is time the task could have run but every CPU was taken, by other processes or by the
 * case's own other threads.
 */
export function schedStat(pid?: number): SchedStat | undefined {
  try {
    const path = pid === undefined ? '/proc/thread-self/schedstat' : `/proc/${pid}/schedstat`
    const [cpuNs, waitNs] = readFileSync(path, 'utf8').split(' ')
    return { cpuMs: Number(cpuNs) / 1e6, waitMs: Number(waitNs) / 1e6 }
  } catch {
    return undefined
  }
}

/**
 * CPU time the whole machine has used since boot, all CPUs and processes together, in ms (Linux:
 * /proc/stat: all but idle and iowait, in USER_HZ ticks of 10 ms), or undefined. Less what a
 * case's own processes used over the same span, it is what other processes took: the measure of a
 * disturbed run when the case itself keeps more than one core busy. Interrupt time counts: without
 * IRQ time accounting the kernel also charges it to the tasks that were running.
 */
export function machineCpuMs(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/)
    const tick = (i: number): number => Number(fields[i] ?? Number.NaN)
    // user, nice, system, (idle, iowait), irq, softirq, steal
    const ticks = tick(1) + tick(2) + tick(3) + tick(6) + tick(7) + tick(8)
    return Number.isFinite(ticks) ? ticks * 10 : undefined
  } catch {
    return undefined
  }
}

/** The share of the slices' wall time their thread was on a CPU, or undefined where unknown. */
export function cpuShare(results: Iterable<SliceResult>): number | undefined {
  let cpu = 0
  let wall = 0
  for (const r of results) {
    if (r.cpuMs === undefined) return undefined
    cpu += r.cpuMs
    wall += r.ms
  }
  return wall > 0 ? cpu / wall : undefined
}

/** A full garbage collection when node runs with --expose-gc; a no-op otherwise. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function'
}

/**
 * The q-quantiles (0 ≤ q ≤ 1, nearest rank) of `values`, e.g. `quantiles(latencies, [0.5, 0.99])`
 * for p50 and p99. Sorts `values` in place; NaN for an empty array.
 */
export function quantiles(values: Float64Array, qs: readonly number[]): number[] {
  values.sort()
  return qs.map((q) =>
    values.length === 0 ? Number.NaN : (values[Math.max(0, Math.ceil(q * values.length) - 1)] as number),
  )
}
