/**
 * Decisions per second on the in-process stores: 10,000 keys, one precomputed pseudo-random key
 * sequence that every contender walks, one awaited call per decision.
 *
 * Each contender runs in its own worker (see ../isolate.ts). Per variant it gets one instance whose
 * 10,000 keys are each seen once (untimed) before the first slice, so the timed calls update
 * existing state; the slices of a variant walk on through the sequence on that instance.
 */
import type { Case, RunContext } from '../case.ts'
import {
  collectGarbage,
  cpuShare,
  interleave,
  keySequence,
  median,
  medianRatio,
  rate,
  type SliceResult,
  type Slicer,
  smallest,
  spread,
  threadCpuMs,
} from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
import { observedSection } from '../observedTable.ts'
import {
  formatInteger,
  formatPercent,
  formatRate,
  formatRateRange,
  formatRatio,
  type GoalCheck,
  type Section,
  table,
} from '../report.ts'
import type { Chart } from '../svg.ts'
import {
  contenderNamed,
  EXPRESS_RATE_LIMIT,
  FLOOR,
  type LimitConfig,
  PEERS,
  RATE_LIMITER_FLEXIBLE,
  THROUGHPUT_CONTENDERS,
  THROUGHPUT_GOAL_ALGORITHMS,
} from './contenders.ts'

const KEY_COUNT = 10_000
const SEQUENCE_LENGTH = 1 << 18
/** Calls between two looks at the clock. */
const CHUNK = 1 << 10
const SEED = 0x5eed
/** The goal against the floor: at least half the rate of a bare Map update. */
const GOAL_FLOOR_SHARE = 0.5

interface Variant {
  readonly title: string
  readonly config: LimitConfig
  /** Calls per key before the first slice: 1 creates the state; more than `limit` exhausts it. */
  readonly prefill: number
}

const VARIANTS = {
  admitted: {
    title: 'most calls admitted (limit 10,000 per minute)',
    config: { limit: 10_000, windowMs: 60_000 },
    prefill: 1,
  },
  denied: {
    title: 'most calls denied (limit 1 per hour, used up before the timed calls)',
    // An hour: a fixed window aligned to the clock must not roll over during a run and admit again.
    config: { limit: 1, windowMs: 3_600_000 },
    // Two: a leaky bucket of capacity 1 admits one leaving now and one waiting.
    prefill: 2,
  },
} satisfies Record<string, Variant>

type VariantName = keyof typeof VARIANTS

interface SliceRequest {
  readonly variant: VariantName
  readonly budgetMs: number
}

interface MemorySlice extends SliceResult {
  /** Keys the instance held at the end: all 10,000, or a store dropped some. */
  readonly keysHeld: number
}

interface Setup {
  readonly contender: string
  /** Calls on a throwaway instance per variant before the worker says it is ready. */
  readonly warmupCalls: number
}

const isolate = defineIsolate<Setup, SliceRequest, MemorySlice>(
  import.meta.url,
  'memory-throughput',
  async ({ contender: name, warmupCalls }) => {
    const create = await contenderNamed(name).load()
    const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user:${i}`)
    const sequence = keySequence(keys, SEQUENCE_LENGTH, SEED)
    // Warm up by calls, not time: on a busy machine the optimising compiler runs late, and a
    // library that needs more calls to get optimised must not be measured half-compiled.
    for (const { config, prefill } of Object.values(VARIANTS)) {
      const instance = create(config)
      for (let p = 0; p < prefill; p++) await instance.run(keys, 0, keys.length)
      for (let from = 0; from < warmupCalls; from += CHUNK) await instance.run(sequence, from, CHUNK)
      instance.close()
    }
    // One instance per variant, its keys all seen once (untimed) before its first slice; every
    // slice of that variant goes on where the last one stopped in the sequence.
    let current: { variant: VariantName; instance: ReturnType<typeof create>; from: number } | undefined
    return async ({ variant, budgetMs }) => {
      if (current?.variant !== variant) {
        current?.instance.close()
        const { config, prefill } = VARIANTS[variant]
        const instance = create(config)
        for (let p = 0; p < prefill; p++) await instance.run(keys, 0, keys.length)
        current = { variant, instance, from: 0 }
      }
      const { instance } = current
      collectGarbage()
      let calls = 0
      let admitted = 0
      let ms = 0
      const cpuStart = threadCpuMs()
      const start = performance.now()
      do {
        admitted += await instance.run(sequence, current.from, CHUNK)
        calls += CHUNK
        current.from = (current.from + CHUNK) % SEQUENCE_LENGTH
        ms = performance.now() - start
      } while (ms < budgetMs)
      const cpuEnd = threadCpuMs()
      const cpuMs = cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart
      return { calls, ms, admitted, cpuMs, keysHeld: instance.size }
    }
  },
)

async function run(context: RunContext): Promise<Section> {
  const settings = context.quick
    ? { rounds: 3, warmup: 1, budgetMs: 30, warmupCalls: 8 * CHUNK }
    : { rounds: 7, warmup: 1, budgetMs: 250, warmupCalls: 200 * CHUNK }
  const contenders = THROUGHPUT_CONTENDERS
  context.progress(`memory-throughput: starting ${contenders.length} workers`)
  const clients = await Promise.all(
    contenders.map((c) => isolate.start({ contender: c.name, warmupCalls: settings.warmupCalls })),
  )
  const parts: string[] = [
    `${formatInteger(KEY_COUNT)} keys; every contender walks the same pseudo-random sequence of them ` +
      `(seed ${SEED}), one awaited call per decision. Each contender runs in its own worker thread, ` +
      `which first makes ${formatInteger(settings.warmupCalls)} calls per variant on a throwaway instance; ` +
      `then ${settings.warmup} warm-up round(s) and ${settings.rounds} interleaved rounds of one ` +
      `${settings.budgetMs} ms slice per contender. Per variant, each contender has one instance whose ` +
      'keys were all seen once before its first slice. Ratios are medians of the per-round ratios.',
  ]
  const goals: GoalCheck[] = []
  const charts: Chart[] = []
  try {
    for (const variantName of Object.keys(VARIANTS) as VariantName[]) {
      const variant = VARIANTS[variantName]
      const slicers: Slicer[] = contenders.map((c, i) => ({
        name: c.name,
        slice: () =>
          clients[i]?.request({ variant: variantName, budgetMs: settings.budgetMs }) as Promise<MemorySlice>,
      }))
      let lastRound = Number.NaN
      const samples = await interleave(slicers, {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound)
            context.progress(`memory-throughput ${variantName}: ${roundLabel(round, settings)}`)
          lastRound = round
        },
      })
      const rates = new Map([...samples].map(([name, results]) => [name, results.map(rate)]))
      const rowsOf = (name: string): number[] => rates.get(name) ?? []
      const rows = contenders.map((c) => {
        const results = samples.get(c.name) ?? []
        const s = spread(rowsOf(c.name))
        const calls = results.reduce((sum, r) => sum + r.calls, 0)
        const admitted = results.reduce((sum, r) => sum + r.admitted, 0)
        const keysHeld = smallest(results.map((r) => (r as MemorySlice).keysHeld))
        return [
          c.name,
          formatRate(s.median),
          formatRateRange(s.min, s.max),
          formatPercent(admitted / calls),
          keysHeld === KEY_COUNT ? 'all' : formatInteger(keysHeld),
          formatRatio(medianRatio(rowsOf(c.name), rowsOf(EXPRESS_RATE_LIMIT))),
          formatRatio(medianRatio(rowsOf(c.name), rowsOf(RATE_LIMITER_FLEXIBLE))),
          formatRatio(medianRatio(rowsOf(c.name), rowsOf(FLOOR))),
        ]
      })
      const share = cpuShare([...samples.values()].flat())
      parts.push(`### Throughput, ${variant.title}`)
      if (share !== undefined) {
        parts.push(
          `The timed slices had a CPU core ${formatPercent(share)} of their wall time` +
            (share < 0.9 ? ': other processes took the rest, so these numbers are disturbed.' : '.'),
        )
      }
      parts.push(
        table(
          [
            'contender',
            'decisions/s (median)',
            'spread (min–max)',
            'admitted',
            'keys held',
            '÷ express-rate-limit',
            '÷ rate-limiter-flexible',
            '÷ floor',
          ],
          rows,
          ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
      )
      parts.push(
        observedSection(rowsOf, {
          header: 'added per decision',
          perDecisionUs: (name) => rowsOf(name).map((r) => 1e6 / r),
        }),
      )
      for (const name of THROUGHPUT_GOAL_ALGORITHMS) {
        const ratios = PEERS.map((peer) => medianRatio(rowsOf(name), rowsOf(peer)))
        goals.push({
          goal: `${name} decisions/s ≥ both peers, ${variantName}`,
          met: ratios.every((r) => r >= 1),
          detail: PEERS.map((peer, i) => `${formatRatio(ratios[i] as number)} ${peer.split(' ')[0]}`).join(
            ', ',
          ),
        })
        const toFloor = medianRatio(rowsOf(name), rowsOf(FLOOR))
        goals.push({
          goal: `${name} decisions/s ≥ ${GOAL_FLOOR_SHARE * 100}% of the bare-Map floor, ${variantName}`,
          met: toFloor >= GOAL_FLOOR_SHARE,
          detail: `${formatPercent(toFloor)} of the floor`,
        })
      }
      charts.push({
        kind: 'bar',
        file: `memory-throughput-${variantName}.svg`,
        title: `In-process decisions/s, ${variantName === 'admitted' ? 'every call admitted' : 'every call denied'} (median)`,
        unit: 'decisions/s',
        bars: contenders.map((c) => ({ label: c.name, value: median(rowsOf(c.name)), group: c.group })),
      })
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
  return { title: 'Throughput, memory store', markdown: parts.join('\n\n'), goals, charts }
}

function roundLabel(round: number, settings: { rounds: number; warmup: number }): string {
  return round < 0 ? `warm-up ${-round}/${settings.warmup}` : `round ${round + 1}/${settings.rounds}`
}

export const memoryThroughput: Case = {
  name: 'memory-throughput',
  family: 'memory',
  summary: 'decisions/s on the in-process stores, 10,000 keys, admitted and denied variants',
  run,
}
