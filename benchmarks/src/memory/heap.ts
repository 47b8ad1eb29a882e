/**
 * Heap per tracked key: a fresh instance, 100,000 distinct keys (`user:${i}`), one decision each.
 * heapUsed is read after a full GC before the instance is made and again after the last decision;
 * the difference over the key count is the cost of a key, the key string included (every
 * contender keeps some string for it). Array buffers live outside the V8 heap, so they are shown
 * apart ("off-heap"): lru-cache allocates its typed arrays there, sized by maxKeys.
 *
 * The contenders take turns in two worker threads, so nothing of the main thread (or of the
 * throughput case) is in their heaps; each contender first runs once unmeasured, so its compiled
 * code is not counted.
 */
import type { Case, RunContext } from '../case.ts'
import { collectGarbage, hasGc, median, smallest, spread } from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
import { formatBytes, formatInteger, type GoalCheck, type Section, table } from '../report.ts'
import { contenderNamed, HEAP_CONTENDERS, HEAP_GOAL_ALGORITHMS, type MemoryFactory } from './contenders.ts'

const KEY_COUNT = 100_000
const GOAL_BYTES_PER_KEY = 200
const CONFIG = { limit: 1000, windowMs: 60_000 }

interface HeapRequest {
  readonly contender: string
  readonly keys: number
  /** Run the contender once unmeasured first, so its compiled code is not in the first sample. */
  readonly warm: boolean
}

interface HeapSample {
  readonly heapBytesPerKey: number
  readonly offHeapBytesPerKey: number
  readonly keysHeld: number
}

const isolate = defineIsolate<null, HeapRequest, HeapSample>(import.meta.url, 'memory-heap', () => {
  const loaded = new Map<string, MemoryFactory>()
  return async ({ contender, keys, warm }) => {
    let create = loaded.get(contender)
    if (create === undefined) {
      create = await contenderNamed(contender).load()
      loaded.set(contender, create)
      if (warm) await measure(create, 10_000)
    }
    return measure(create, keys)
  }
})

async function measure(create: MemoryFactory, keyCount: number): Promise<HeapSample> {
  collectGarbage()
  collectGarbage()
  const before = process.memoryUsage()
  const instance = create(CONFIG)
  let keys: string[] | undefined = Array.from({ length: keyCount }, (_, i) => `user:${i}`)
  await instance.run(keys, 0, keyCount)
  keys = undefined
  collectGarbage()
  collectGarbage()
  const after = process.memoryUsage()
  const keysHeld = instance.size
  instance.close()
  return {
    heapBytesPerKey: (after.heapUsed - before.heapUsed) / keyCount,
    offHeapBytesPerKey: (after.arrayBuffers - before.arrayBuffers) / keyCount,
    keysHeld,
  }
}

async function run(context: RunContext): Promise<Section> {
  if (!hasGc()) throw new Error('memory-heap needs node --expose-gc (the start script passes it)')
  const reps = context.quick ? 1 : 3
  const samples = new Map<string, HeapSample[]>()
  // Two workers take the contenders in turn: heap numbers do not depend on the CPU, and there are
  // two cores. --quick skips the unmeasured first run (its compiled code is a byte or two per key).
  const queue = [...HEAP_CONTENDERS]
  const worker = async (): Promise<void> => {
    const client = await isolate.start(null)
    try {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        context.progress(`memory-heap: ${c.name}`)
        const list: HeapSample[] = []
        for (let r = 0; r < reps; r++) {
          list.push(await client.request({ contender: c.name, keys: KEY_COUNT, warm: !context.quick }))
        }
        samples.set(c.name, list)
      }
    } finally {
      await client.close()
    }
  }
  context.progress('memory-heap: starting 2 workers')
  await Promise.all([worker(), worker()])

  const perKey = (name: string): number => median((samples.get(name) ?? []).map((s) => s.heapBytesPerKey))
  const rows = HEAP_CONTENDERS.map((c) => {
    const list = samples.get(c.name) ?? []
    const s = spread(list.map((x) => x.heapBytesPerKey))
    const held = smallest(list.map((x) => x.keysHeld))
    return [
      c.name,
      formatBytes(s.median),
      reps > 1 ? `${formatBytes(s.min)}–${formatBytes(s.max)}` : '–',
      formatBytes(median(list.map((x) => x.offHeapBytesPerKey))),
      held === KEY_COUNT ? 'all' : formatInteger(held),
    ]
  })
  const goals: GoalCheck[] = HEAP_GOAL_ALGORITHMS.map((name) => ({
    goal: `${name} heap ≤ ${GOAL_BYTES_PER_KEY} bytes per key at ${formatInteger(KEY_COUNT)} keys`,
    met: perKey(name) <= GOAL_BYTES_PER_KEY,
    detail: `${formatBytes(perKey(name))} bytes`,
  }))
  const markdown = [
    `${formatInteger(KEY_COUNT)} distinct keys (\`user:\${i}\`), one admitted decision each (limit 1000 per minute), ` +
      `in a fresh instance; (heapUsed after − before) / ${formatInteger(KEY_COUNT)}, after a full GC each side; ` +
      `median of ${reps} run(s), in worker threads (nothing else in their heaps). The key strings count: every store keeps one. ` +
      'Off-heap: growth of array buffers (typed arrays) per key, not in heapUsed. sluice contenders use ' +
      '`memoryStore({ maxKeys: 100_000 })` unless named otherwise; `memoryStore()` defaults to maxKeys 100,000 too.',
    table(
      ['contender', 'heap bytes/key (median)', 'spread (min–max)', 'off-heap bytes/key', 'keys held'],
      rows,
      ['left', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n\n')
  return { title: 'Heap per tracked key, memory store', markdown, goals }
}

export const memoryHeap: Case = {
  name: 'memory-heap',
  family: 'memory',
  summary: 'heap bytes per tracked key at 100,000 keys',
  run,
}
