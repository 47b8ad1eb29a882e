/**
 * How cost grows with the number of keys on the in-process stores: decisions/s and bytes per key
 * at 1 thousand, 10 thousand, 100 thousand and 1 million keys.
 *
 * Per size every contender gets a fresh worker thread (a fresh V8 heap, nothing else in it). The
 * worker loads its library, runs it once unmeasured on a throwaway instance (as `memory-heap` does,
 * so its compiled code is not counted per key), collects garbage (node --expose-gc), reads the
 * heap, makes a fresh instance and one admitted decision for each of the keys (`user:${i}`, made
 * after that first reading: the key strings a store keeps count, as in `memory-heap`), drops its
 * array of keys, collects garbage and reads the heap again: the difference over the key count is
 * the bytes per key, on the V8 heap and off it (typed arrays). The same instance then serves
 * interleaved timed slices that walk a seeded pseudo-random sequence over all its keys, one awaited
 * call at a time.
 */
import type { Case, RunContext } from '../case.ts'
import {
  collectGarbage,
  hasGc,
  interleave,
  keySequence,
  largest,
  median,
  medianRatio,
  rate,
  type SliceResult,
  smallest,
} from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
import {
  formatBytes,
  formatInteger,
  formatRate,
  formatRatio,
  type GoalCheck,
  type Section,
  table,
} from '../report.ts'
import type { Chart } from '../svg.ts'
import { FLOOR, PEERS, SCALING_CONTENDERS, scalingContender } from './contenders.ts'

const SEQUENCE_LENGTH = 1 << 18
const CHUNK = 1 << 10
const SEED = 0x5eed
/** Every call admitted, whatever the run's length: the cost of updating existing state. */
const CONFIG = { limit: 1_000_000, windowMs: 3_600_000 }
const GOAL_BYTES_PER_KEY = 200
const GOAL_CONTENDERS = ['sluice fixedWindow', 'sluice gcra', 'sluice tokenBucket'] as const
/** Decisions of the unmeasured first run (memory-heap's too): enough for V8 to optimise the path. */
const WARM_KEYS = 10_000

interface Setup {
  readonly contender: string
  readonly keys: number
  readonly warmupCalls: number
}

interface Ready {
  readonly heapBytesPerKey: number
  readonly offHeapBytesPerKey: number
  readonly keysHeld: number
}

type Request = { readonly kind: 'ready' } | { readonly kind: 'slice'; readonly budgetMs: number }

type Reply = Ready | SliceResult

const isolate = defineIsolate<Setup, Request, Reply>(
  import.meta.url,
  'memory-scaling',
  async ({ contender, keys: keyCount, warmupCalls }) => {
    const create = await scalingContender(contender, keyCount).load()
    const warm = create(CONFIG)
    await warm.run(
      Array.from({ length: WARM_KEYS }, (_, i) => `warm:${i}`),
      0,
      WARM_KEYS,
    )
    warm.close()
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
    const ready: Ready = {
      heapBytesPerKey: (after.heapUsed - before.heapUsed) / keyCount,
      offHeapBytesPerKey: (after.arrayBuffers - before.arrayBuffers) / keyCount,
      keysHeld: instance.size,
    }
    // The timed walk: a fresh array of the same keys (the caller's strings), a seeded sequence.
    const sequence = keySequence(
      Array.from({ length: keyCount }, (_, i) => `user:${i}`),
      SEQUENCE_LENGTH,
      SEED,
    )
    let from = 0
    for (let done = 0; done < warmupCalls; done += CHUNK) {
      await instance.run(sequence, from, CHUNK)
      from = (from + CHUNK) % SEQUENCE_LENGTH
    }
    return async (request) => {
      if (request.kind === 'ready') return ready
      collectGarbage()
      let calls = 0
      let admitted = 0
      let ms = 0
      const start = performance.now()
      do {
        admitted += await instance.run(sequence, from, CHUNK)
        calls += CHUNK
        from = (from + CHUNK) % SEQUENCE_LENGTH
        ms = performance.now() - start
      } while (ms < request.budgetMs)
      return { calls, ms, admitted }
    }
  },
)

interface SizeResult {
  readonly ready: ReadonlyMap<string, Ready>
  readonly rates: ReadonlyMap<string, readonly number[]>
}

async function measureSize(
  keys: number,
  context: RunContext,
  settings: { rounds: number; warmup: number; budgetMs: number; warmupCalls: number },
): Promise<SizeResult> {
  context.progress(
    `memory-scaling ${formatInteger(keys)} keys: ${SCALING_CONTENDERS.length} fresh workers fill their stores`,
  )
  // Two at a time: the fills are CPU-bound and there are two cores; the heap readings are per worker.
  const clients: Awaited<ReturnType<typeof isolate.start>>[] = []
  try {
    for (let i = 0; i < SCALING_CONTENDERS.length; i += 2) {
      const batch = SCALING_CONTENDERS.slice(i, i + 2).map((contender) =>
        isolate.start({ contender, keys, warmupCalls: settings.warmupCalls }),
      )
      const started = await Promise.allSettled(batch)
      for (const s of started) if (s.status === 'fulfilled') clients.push(s.value)
      for (const s of started) if (s.status === 'rejected') throw s.reason
    }
    const ready = new Map<string, Ready>()
    for (const [i, name] of SCALING_CONTENDERS.entries()) {
      ready.set(name, (await clients[i]?.request({ kind: 'ready' })) as Ready)
    }
    let lastRound = Number.NaN
    const samples = await interleave(
      SCALING_CONTENDERS.map((name, i) => ({
        name,
        slice: () =>
          clients[i]?.request({ kind: 'slice', budgetMs: settings.budgetMs }) as Promise<SliceResult>,
      })),
      {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound) {
            const r = round < 0 ? 'warm-up' : `round ${round + 1}/${settings.rounds}`
            context.progress(`memory-scaling ${formatInteger(keys)} keys: ${r}`)
          }
          lastRound = round
        },
      },
    )
    return { ready, rates: new Map([...samples].map(([name, list]) => [name, list.map(rate)])) }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
}

async function run(context: RunContext): Promise<Section> {
  if (!hasGc()) throw new Error('memory-scaling needs node --expose-gc (the start script passes it)')
  const settings = context.quick
    ? { sizes: [1_000, 10_000], rounds: 2, warmup: 1, budgetMs: 30, warmupCalls: 20 * CHUNK }
    : {
        sizes: [1_000, 10_000, 100_000, 1_000_000],
        rounds: 5,
        warmup: 1,
        budgetMs: 200,
        warmupCalls: 200 * CHUNK,
      }
  const results = new Map<number, SizeResult>()
  for (const keys of settings.sizes) results.set(keys, await measureSize(keys, context, settings))

  const at = (keys: number) => results.get(keys) as SizeResult
  const total = (r: Ready | undefined): number =>
    r === undefined ? Number.NaN : r.heapBytesPerKey + r.offHeapBytesPerKey
  const headers = ['contender', ...settings.sizes.map((k) => `${formatInteger(k)} keys`)]
  const align = ['left', ...settings.sizes.map(() => 'right' as const)] as const
  const rateRows = SCALING_CONTENDERS.map((name) => [
    name,
    ...settings.sizes.map((keys) => {
      const rates = at(keys).rates
      const r = formatRate(median(rates.get(name) ?? []))
      return name === FLOOR
        ? r
        : `${r} (${formatRatio(medianRatio(rates.get(name) ?? [], rates.get(FLOOR) ?? []))})`
    }),
  ])
  const byteRows = SCALING_CONTENDERS.map((name) => [
    name,
    ...settings.sizes.map((keys) => {
      const r = at(keys).ready.get(name)
      if (r === undefined) return '–'
      const dropped = r.keysHeld < keys ? `, holds ${formatInteger(r.keysHeld)}` : ''
      return `${formatBytes(total(r))} (${formatBytes(r.heapBytesPerKey)} + ${formatBytes(r.offHeapBytesPerKey)})${dropped}`
    }),
  ])
  const goalSizes = settings.sizes.filter((k) => k >= 10_000)
  const goals: GoalCheck[] = GOAL_CONTENDERS.flatMap((name) => {
    const worst = largest(goalSizes.map((keys) => total(at(keys).ready.get(name))))
    const biggest = largest(settings.sizes)
    const toPeers = PEERS.map((peer) =>
      medianRatio(at(biggest).rates.get(name) ?? [], at(biggest).rates.get(peer) ?? []),
    )
    return [
      {
        goal: `${name} ≤ ${GOAL_BYTES_PER_KEY} bytes per key (heap + off-heap), ${formatInteger(smallest(goalSizes))} to ${formatInteger(biggest)} keys`,
        met: worst <= GOAL_BYTES_PER_KEY,
        detail: `at most ${formatBytes(worst)} bytes`,
      },
      {
        goal: `${name} decisions/s ≥ both peers at ${formatInteger(biggest)} keys`,
        met: toPeers.every((r) => r >= 1),
        detail: toPeers.map((r, i) => `${formatRatio(r)} ${(PEERS[i] as string).split(' ')[0]}`).join(', '),
      },
    ]
  })
  const markdown = [
    `Per size, each contender in a fresh worker thread: an unmeasured first run of ${formatInteger(WARM_KEYS)} decisions ` +
      'on a throwaway instance (as in the heap case: compiled code is not a cost per key), then one admitted decision ' +
      `for each key (\`user:\${i}\`) on a fresh instance, heap read ` +
      'after a full GC before the instance was made and after those decisions (its array of keys dropped; the key ' +
      `strings a store keeps count); then ${settings.warmup} warm-up round and ${settings.rounds} interleaved rounds of ` +
      `one ${settings.budgetMs} ms slice per contender, walking a seeded pseudo-random sequence over all the keys, ` +
      `one awaited call per decision, every call admitted. sluice's store is sized for the keys (\`maxKeys\` = the ` +
      'number of keys): lru-cache allocates its typed arrays (off-heap) by maxKeys.',
    'Decisions/s (median), in brackets the median per-round ratio to the bare-Map floor:',
    table(headers, rateRows, align),
    'Bytes per key: total (V8 heap + off-heap):',
    table(headers, byteRows, align),
    `At ${formatInteger(settings.sizes[0] as number)} keys the per-key figures carry fixed costs (a store’s ` +
      'empty tables, code compiled later) spread over few keys; the goal is checked from 10,000 keys up. Past the CPU caches ' +
      '(around 100,000 keys here) every store slows down: each call touches memory no recent call did.',
  ].join('\n\n')
  const charts: Chart[] = [
    {
      kind: 'line',
      file: 'memory-scaling-rate.svg',
      title: 'In process: decisions/s against the number of keys',
      xLabel: 'keys',
      yLabel: 'decisions/s',
      logX: true,
      series: SCALING_CONTENDERS.map((name) => ({
        name,
        group: name === FLOOR ? 'floor' : name.startsWith('sluice') ? 'sluice' : 'peer',
        points: settings.sizes.map((keys) => [keys, median(at(keys).rates.get(name) ?? [])] as const),
      })),
    },
    {
      kind: 'line',
      file: 'memory-scaling-bytes.svg',
      title: 'In process: bytes per key (heap + off-heap) against the number of keys',
      xLabel: 'keys',
      yLabel: 'bytes per key',
      logX: true,
      series: SCALING_CONTENDERS.map((name) => ({
        name,
        group: name === FLOOR ? 'floor' : name.startsWith('sluice') ? 'sluice' : 'peer',
        points: settings.sizes.map((keys) => [keys, total(at(keys).ready.get(name))] as const),
      })),
    },
  ]
  return { title: 'How cost grows with the number of keys, memory store', markdown, goals, charts }
}

export const memoryScaling: Case = {
  name: 'memory-scaling',
  family: 'memory',
  summary: 'decisions/s and bytes per key from 1,000 to 1,000,000 keys (fresh worker per size)',
  run,
}
