/**
 * Aggregate throughput of 1, 2 and 4 app instances on one Redis and on the 3-master Cluster.
 *
 * An instance is a worker thread with its own event loop and V8 heap, as an app server process
 * would have, holding one ioredis client per contender (4 workers, not 4 per contender: starting
 * 20 workers takes longer than the measurement; only one contender works at a time). The instances
 * of one contender share its key namespace (the same users reach every app server) and walk
 * different parts of the key sequence, 64 calls in flight each. A slice runs all N instances of
 * one contender at once; its rate is the sum of theirs.
 * Slices of every (contender, N) pair are interleaved in each round, so the ratios to the floor
 * and to the peers at a given N are medians of per-round ratios.
 */
import type { Case, RunContext } from '../case.ts'
import { interleave, largest, median, medianRatio, type SliceResult, type Slicer } from '../harness.ts'
import { formatMs, formatRate, formatRatio, type GoalCheck, type Section, table } from '../report.ts'
import type { Chart } from '../svg.ts'
import { contenderNamed, FLOOR, PEERS } from './contenders.ts'
import { describeTopology, startTarget, type Topology } from './target.ts'
import { KEY_COUNT, QUICK_KEY_COUNT, type RedisSlice, type RedisWorkerClient, redisWorker } from './worker.ts'

const GOAL_CONTENDERS = [
  'sluice fixedWindow',
  'sluice gcra',
  'sluice fixedWindow, unbatched',
  'sluice gcra, unbatched',
] as const
const CONTENDERS = [...GOAL_CONTENDERS, ...PEERS, FLOOR] as const
const LANES = 64
/** The one-server goals (issue 16): unbatched ≥ 0.9× the floor; batched (the default) ≥ 3× on one Redis, ≥ 1.5× on a Cluster. */
const GOAL_FLOOR_RATIO = 0.9
const GOAL_BATCHED_FLOOR_RATIO: Record<Topology, number> = { single: 3, cluster: 1.5 }

interface Aggregate extends SliceResult {
  readonly p50Ms: number
  readonly p99Ms: number
}

/** One slice of all `instances` at once: the sum of their rates, the median of their quantiles. */
async function together(
  instances: readonly RedisWorkerClient[],
  contender: string,
  budgetMs: number,
): Promise<Aggregate> {
  const slices = (await Promise.all(
    instances.map((w) => w.request({ contender, variant: 'admitted', budgetMs, lanes: LANES })),
  )) as RedisSlice[]
  const perSecond = slices.reduce((sum, s) => sum + s.calls / (s.ms / 1000), 0)
  const ms = largest(slices.map((s) => s.ms))
  // Expressed over the slowest instance's time so that calls / ms is the sum of the rates.
  const calls = (perSecond * ms) / 1000
  const admittedShare =
    slices.reduce((sum, s) => sum + s.admitted, 0) / slices.reduce((sum, s) => sum + s.calls, 0)
  return {
    calls,
    ms,
    admitted: calls * admittedShare,
    p50Ms: median(slices.map((s) => s.p50Ms)),
    p99Ms: median(slices.map((s) => s.p99Ms)),
  }
}

function label(name: string, n: number): string {
  return `${name} ×${n}`
}

async function runOn(
  topology: Topology,
  context: RunContext,
  settings: {
    counts: readonly number[]
    rounds: number
    warmup: number
    budgetMs: number
    warmupCalls: number
  },
  goals: GoalCheck[],
): Promise<{ markdown: string[]; chart: Chart; version: string }> {
  const most = largest(settings.counts)
  context.progress(`redis-processes: starting ${describeTopology(topology)}`)
  const server = await startTarget(topology)
  const workers: RedisWorkerClient[] = []
  try {
    context.progress(`redis-processes ${topology}: starting ${most} workers`)
    const started = await Promise.allSettled(
      Array.from({ length: most }, (_, k) =>
        redisWorker.start({
          contenders: CONTENDERS.map((name, id) => ({ name, namespace: `p${id}` })),
          target: server.target,
          variants: ['admitted'],
          warmupCalls: settings.warmupCalls,
          countSent: false,
          keyCount: context.quick ? QUICK_KEY_COUNT : KEY_COUNT,
          // Each instance walks its own part of the sequence.
          offset: k * 50_000,
        }),
      ),
    )
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason
    const slicers: Slicer[] = CONTENDERS.flatMap((name) =>
      settings.counts.map((n) => ({
        name: label(name, n),
        slice: () => together(workers.slice(0, n), name, settings.budgetMs),
      })),
    )
    let lastRound = Number.NaN
    const samples = await interleave(slicers, {
      ...settings,
      onSlice: (_name, round) => {
        if (round !== lastRound) {
          const r = round < 0 ? 'warm-up' : `round ${round + 1}/${settings.rounds}`
          context.progress(`redis-processes ${topology}: ${r}`)
        }
        lastRound = round
      },
    })
    const slices = (name: string, n: number): Aggregate[] =>
      (samples.get(label(name, n)) ?? []) as Aggregate[]
    const rates = (name: string, n: number): number[] => slices(name, n).map((s) => s.calls / (s.ms / 1000))
    const headers = ['contender', ...settings.counts.map((n) => `${n} instance${n > 1 ? 's' : ''}`)]
    const align = ['left', ...settings.counts.map(() => 'right' as const)] as const
    const rows = CONTENDERS.map((name) => [
      name,
      ...settings.counts.map((n) => {
        const r = formatRate(median(rates(name, n)))
        const p99 = formatMs(median(slices(name, n).map((s) => s.p99Ms)))
        return name === FLOOR
          ? `${r}, p99 ${p99}`
          : `${r} (${formatRatio(medianRatio(rates(name, n), rates(FLOOR, n)))}), p99 ${p99}`
      }),
    ])
    const on = topology === 'single' ? 'one Redis' : 'Cluster'
    for (const name of GOAL_CONTENDERS) {
      const toFloor = medianRatio(rates(name, most), rates(FLOOR, most))
      const toPeers = PEERS.map((peer) => medianRatio(rates(name, most), rates(peer, most)))
      const floorGoal = name.endsWith('unbatched') ? GOAL_FLOOR_RATIO : GOAL_BATCHED_FLOOR_RATIO[topology]
      goals.push({
        goal: `${name}, ${most} instances on ${on}: ≥ ${floorGoal}× the floor and ≥ 1.0× each peer`,
        met: toFloor >= floorGoal && toPeers.every((r) => r >= 1),
        detail: `${formatRatio(toFloor)} floor, ${toPeers.map((r, i) => `${formatRatio(r)} ${(PEERS[i] as string).split(' ')[0]}`).join(', ')}`,
      })
    }
    const chart: Chart = {
      kind: 'line',
      file: `redis-${topology}-instances.svg`,
      title: `Redis: aggregate decisions/s against app instances, ${describeTopology(topology)}`,
      xLabel: 'app instances (64 in flight each)',
      yLabel: 'decisions/s, all instances',
      logX: false,
      series: CONTENDERS.map((name) => ({
        name,
        group: contenderNamed(name).group,
        points: settings.counts.map((n) => [n, median(rates(name, n))] as const),
      })),
    }
    return {
      markdown: [
        `### ${describeTopology(topology)}`,
        'Aggregate decisions/s (median over rounds), in brackets the median per-round ratio to the floor at the same ' +
          'number of instances, then the median p99 latency of one decision:',
        table(headers, rows, align),
      ],
      chart,
      version: server.version,
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()))
    await server.stop()
  }
}

async function run(context: RunContext): Promise<Section> {
  const settings = context.quick
    ? { counts: [1, 4], rounds: 1, warmup: 1, budgetMs: 40, warmupCalls: 0 }
    : { counts: [1, 2, 4], rounds: 5, warmup: 1, budgetMs: 200, warmupCalls: 5_000 }
  const goals: GoalCheck[] = []
  const single = await runOn('single', context, settings, goals)
  const cluster = await runOn('cluster', context, settings, goals)
  const markdown = [
    'Aggregate throughput of several app instances on one Redis and on the 3-master Cluster: each instance a worker ' +
      'thread with its own event loop and heap (as an app server process has) and one ioredis client per contender ' +
      '(only one contender works at a time), 64 calls in flight each; the instances of one contender share its keys (10,000) and walk different parts of the key sequence, ' +
      `every call admitted. A slice runs all instances of one contender at once for ${settings.budgetMs} ms; ` +
      `${settings.warmup} warm-up round and ${settings.rounds} rounds, every (contender, instances) pair interleaved. ` +
      'On this two-core machine the instances, V8 and the redis-servers share two cores, so more instances ' +
      'mostly show how each library behaves when the CPU, not the network, is the limit; on a larger machine the ' +
      'Cluster would spread over cores that one redis-server cannot use.',
    ...single.markdown,
    ...cluster.markdown,
  ].join('\n\n')
  return {
    title: 'How throughput grows with app instances, Redis and Cluster',
    markdown,
    goals,
    charts: [single.chart, cluster.chart],
    facts: [`Redis ${single.version}`],
  }
}

export const redisProcesses: Case = {
  name: 'redis-processes',
  family: 'redis',
  summary: 'aggregate decisions/s of 1, 2 and 4 app instances on one Redis and on the Cluster',
  run,
}
