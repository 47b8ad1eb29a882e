import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type Algorithm, createRateLimiter } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import type { Contender } from './algorithms.ts'
import { SIMULATION_START_MS } from './simulation.ts'

/** Heap bytes one key costs in a memoryStore: its store key string, its state and the LRU's map entry. */
interface StateSize {
  readonly label: string
  /** After one request. */
  readonly oneRequest: number
  /** After a full burst: one request of cost = the most the limit admits at once (a sliding log then holds `limit` timestamps). */
  readonly atLimit: number
  /** That cost: the limit, or capacity + 1 for the leaky bucket. */
  readonly fullBurst: number
}

export interface StateSizeReport {
  readonly keys: number
  readonly sizes: readonly StateSize[]
  /** How the numbers were obtained, for the reader. */
  readonly method: string
  /** False when no garbage collector could be called: the numbers then include garbage. */
  readonly exact: boolean
}

type Collect = () => void
export interface GarbageCollector {
  readonly collect: Collect | undefined
  readonly how: string
}

/**
 * Finds a way to force a full garbage collection: `globalThis.gc` under `node --expose-gc`,
 * else the flag switched on at run time (v8.setFlagsFromString), else none.
 */
function findGarbageCollector(): GarbageCollector {
  if (typeof globalThis.gc === 'function')
    return { collect: globalThis.gc, how: 'globalThis.gc (node --expose-gc)' }
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    if (typeof gc === 'function') {
      return { collect: gc as Collect, how: 'a gc exposed at run time (v8.setFlagsFromString)' }
    }
  } catch {
    // Fall through: measure without collecting.
  }
  return { collect: undefined, how: 'no garbage collector available' }
}

/**
 * Measures what each key costs on the heap: fill a fresh memoryStore with `keys` keys and divide the
 * growth of the V8 heap (read after a full GC) by `keys`. The user key strings exist before the first
 * reading, so only what the store holds is counted, including lru-cache's arrays sized for maxKeys
 * (= keys + 1 here); its typed arrays (next/prev links, ~12 B per slot) live outside the V8 heap.
 */
export async function measureStateSize(
  contenders: readonly Contender[],
  { keys = 10_000, gc = findGarbageCollector() }: { keys?: number; gc?: GarbageCollector } = {},
): Promise<StateSizeReport> {
  const userKeys = Array.from({ length: keys }, (_, i) => `user:${i}`)
  // Compile every hot path before measuring, so that no reading includes a first compilation.
  for (const { algorithm } of contenders) {
    await fillStore(algorithm, userKeys.slice(0, 2000), 1)
    await fillStore(algorithm, userKeys.slice(0, 2000), algorithm.maxCost)
  }
  const heap = new HeapGrowth(keys, gc.collect)
  await heap.start()
  // A rehearsal whose numbers are dropped: the first few readings of a run come out ±20 B/key
  // off while V8 sizes its heap; later ones repeat to within a byte or two.
  const first = contenders[0]?.algorithm
  if (first !== undefined) {
    for (const cost of [1, first.maxCost, 1]) await heap.perItem(() => fillStore(first, userKeys, cost))
  }
  const sizes: StateSize[] = []
  for (const { label, algorithm } of contenders) {
    const oneRequest = await heap.perItem(() => fillStore(algorithm, userKeys, 1))
    const atLimit = await heap.perItem(() => fillStore(algorithm, userKeys, algorithm.maxCost))
    sizes.push({ label, oneRequest, atLimit, fullBurst: algorithm.maxCost })
  }
  heap.release()
  const what = `growth of the V8 heap (compiled code excluded) while a fresh memoryStore gains ${keys.toLocaleString('en')} keys, divided by ${keys.toLocaleString('en')}`
  const method = gc.collect
    ? `${what}; a full GC via ${gc.how} before each reading`
    : `${what}; ${gc.how}, so the numbers include uncollected garbage and are only approximate (run with node --expose-gc)`
  return { keys, sizes, method, exact: gc.collect !== undefined }
}

/**
 * Successive heap readings, each after a full GC, with everything built kept alive until
 * `release()`. Keeping it all matters: a value dropped after its own reading can linger in a
 * suspended async frame and be freed during a later measurement, which then reads too low.
 */
class HeapGrowth {
  private readonly kept: unknown[] = []
  private last = 0

  constructor(
    private readonly items: number,
    private readonly collect: Collect | undefined,
  ) {}

  async start(): Promise<void> {
    // V8 drops the bytecode of functions idle for 5 full GCs (--bytecode-old-age). Let that happen
    // now, to code used only before the measurement, rather than during a measurement.
    for (let i = 0; i < 6; i++) this.collect?.()
    this.last = await this.read()
  }

  /** Heap growth per item caused by building, and holding, `build`'s result. */
  async perItem(build: () => Promise<unknown>): Promise<number> {
    this.kept.push(await build())
    const now = await this.read()
    const growth = (now - this.last) / this.items
    this.last = now
    return Math.max(0, growth)
  }

  release(): void {
    this.kept.length = 0
  }

  /**
   * Heap in use right after a full GC, compiled code excluded: the JIT compiles and discards code
   * at its own pace, which would otherwise show up as noise of ±10 bytes per key. Yields to the
   * event loop first so that pending tasks finish; waiting after the GC instead lets unrelated
   * allocations into the reading (measured: noisier).
   */
  async read(): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve))
    this.collect?.()
    return heapUsedOutsideCode()
  }
}

function heapUsedOutsideCode(): number {
  let used = 0
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('code')) used += space.space_used_size
  }
  return used
}

async function fillStore(algorithm: Algorithm, userKeys: readonly string[], cost: number) {
  const now = SIMULATION_START_MS
  const store = memoryStore({ maxKeys: userKeys.length + 1 })
  const limiter = createRateLimiter({ store, algorithm, clock: () => now })
  await limiter.limit('warm-up', { cost }) // allocates lru-cache's lazy TTL arrays before the keys
  const before = store.size
  for (const key of userKeys) await limiter.limit(key, { cost })
  if (store.size - before !== userKeys.length) throw new Error(`store gained ${store.size - before} keys`)
  return store
}
