/**
 * How cost grows with concurrency on one Redis: decisions/s and p50/p99 latency with 1, 4, 8, 16,
 * 64 and 256 calls in flight, for sluice (fixedWindow, gcra; batched, the default, and unbatched;
 * fixedWindow with turns under a full batch unbatched), the two peers and the EVALSHA floor.
 * Same workers, keys and sequence as `redis-throughput` (every call admitted); at each level the
 * contenders run interleaved rounds, and the ratios to the floor are medians of per-round ratios.
 */
import type { Case, RunContext } from '../case.ts'
import { interleave, median, medianRatio, rate, type Slicer } from '../harness.ts'
import { formatMs, formatRate, formatRatio, type GoalCheck, type Section, table } from '../report.ts'
import type { Chart } from '../svg.ts'
import { contenderNamed, FLOOR, PEERS, SMALL_TURNS_UNBATCHED } from './contenders.ts'
import { startTarget } from './target.ts'
import { KEY_COUNT, QUICK_KEY_COUNT, type RedisSlice, type RedisWorkerClient, redisWorker } from './worker.ts'

const BATCHED = ['sluice fixedWindow', 'sluice gcra'] as const
const UNBATCHED = ['sluice fixedWindow, unbatched', 'sluice gcra, unbatched'] as const
const CONTENDERS = [...BATCHED, ...UNBATCHED, SMALL_TURNS_UNBATCHED, ...PEERS, FLOOR] as const
/** Goals (issue 16): batched ≥ 1.5× the floor at 8 in flight; at 1 in flight p50 and p99 within 10% of the floor's and the unbatched path's. */
const GOAL_C8_FLOOR_RATIO = 1.5
const GOAL_C1_LATENCY_RATIO = 1.1

async function run(context: RunContext): Promise<Section> {
  const settings = context.quick
    ? { levels: [1, 8, 64], rounds: 2, warmup: 1, budgetMs: 40, warmupCalls: 0 }
    : { levels: [1, 4, 8, 16, 64, 256], rounds: 5, warmup: 1, budgetMs: 150, warmupCalls: 5_000 }
  context.progress('redis-concurrency: starting redis-server')
  const server = await startTarget('single')
  const clients: RedisWorkerClient[] = []
  try {
    context.progress(`redis-concurrency: starting ${CONTENDERS.length} workers`)
    const started = await Promise.allSettled(
      CONTENDERS.map((name, id) =>
        redisWorker.start({
          contenders: [{ name, namespace: `c${id}` }],
          target: server.target,
          variants: ['admitted'],
          warmupCalls: settings.warmupCalls,
          countSent: false,
          keyCount: context.quick ? QUICK_KEY_COUNT : KEY_COUNT,
          offset: 0,
        }),
      ),
    )
    for (const s of started) if (s.status === 'fulfilled') clients.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason

    /** Per level, per contender: the slices of the measured rounds. */
    const byLevel = new Map<number, Map<string, RedisSlice[]>>()
    for (const lanes of settings.levels) {
      const slicers: Slicer[] = CONTENDERS.map((name, i) => ({
        name,
        slice: () =>
          clients[i]?.request({
            variant: 'admitted',
            budgetMs: settings.budgetMs,
            lanes,
          }) as Promise<RedisSlice>,
      }))
      let lastRound = Number.NaN
      const samples = await interleave(slicers, {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound) {
            const label = round < 0 ? 'warm-up' : `round ${round + 1}/${settings.rounds}`
            context.progress(`redis-concurrency ${lanes} in flight: ${label}`)
          }
          lastRound = round
        },
      })
      byLevel.set(lanes, new Map([...samples].map(([k, v]) => [k, v as RedisSlice[]])))
    }

    const slices = (lanes: number, name: string): RedisSlice[] => byLevel.get(lanes)?.get(name) ?? []
    const rates = (lanes: number, name: string): number[] => slices(lanes, name).map(rate)
    const rateRows = CONTENDERS.map((name) => [
      name,
      ...settings.levels.map((lanes) => {
        const r = formatRate(median(rates(lanes, name)))
        return name === FLOOR
          ? r
          : `${r} (${formatRatio(medianRatio(rates(lanes, name), rates(lanes, FLOOR)))})`
      }),
    ])
    const latencyRows = CONTENDERS.map((name) => [
      name,
      ...settings.levels.map(
        (lanes) =>
          `${formatMs(median(slices(lanes, name).map((s) => s.p50Ms)))} / ${formatMs(median(slices(lanes, name).map((s) => s.p99Ms)))}`,
      ),
    ])
    const headers = ['contender', ...settings.levels.map((l) => `${l} in flight`)]
    const align = ['left', ...settings.levels.map(() => 'right' as const)] as const
    const markdown = [
      `One redis-server ${server.version}, one Node process, ${(context.quick ? QUICK_KEY_COUNT : KEY_COUNT).toLocaleString('en-US')} keys, every call ` +
        'admitted (limit 100,000 per hour per key). Each contender in its own worker thread with its own ioredis ' +
        `client; at each concurrency ${settings.warmup} warm-up round and ${settings.rounds} interleaved rounds of one ` +
        `${settings.budgetMs} ms slice per contender. Concurrency: async lanes in that worker, each awaiting its own call.`,
      'Decisions/s (median over rounds), and in brackets the median per-round ratio to the floor:',
      table(headers, rateRows, align),
      'Latency per decision, p50 / p99 (medians over rounds of each slice’s quantiles):',
      table(headers, latencyRows, align),
      `*${SMALL_TURNS_UNBATCHED}*: the internal \`minBatch: 16\`, a Redis node's turn of fewer than 16 decisions ` +
        'sent one script call each (pipelined by ioredis) rather than batched, as the default does with any two: ' +
        'single calls let Node handle one reply while Redis runs the next script, at about twice the CPU per decision.',
      'With one call in flight a decision costs a full loopback round trip plus the client’s and the server’s work, ' +
        'so every contender is close to the floor; with more in flight ioredis pipelines the calls on its one ' +
        'connection and the per-decision CPU cost (client or Redis, whichever is larger) sets the rate, until both ' +
        'cores are busy: beyond that, more in flight only adds queueing (p99 grows, decisions/s does not).',
    ].join('\n\n')
    const charts: Chart[] = [
      {
        kind: 'line',
        file: 'redis-concurrency-rate.svg',
        title: 'Redis: decisions/s against calls in flight (one redis-server, one process)',
        xLabel: 'calls in flight',
        yLabel: 'decisions/s',
        logX: true,
        series: CONTENDERS.map((name) => ({
          name,
          group: contenderNamed(name).group,
          points: settings.levels.map((lanes) => [lanes, median(rates(lanes, name))] as const),
        })),
      },
      {
        kind: 'line',
        file: 'redis-concurrency-p99.svg',
        title: 'Redis: p99 latency against calls in flight',
        xLabel: 'calls in flight',
        yLabel: 'p99 latency (ms)',
        logX: true,
        logY: true,
        series: CONTENDERS.map((name) => ({
          name,
          group: contenderNamed(name).group,
          points: settings.levels.map(
            (lanes) => [lanes, median(slices(lanes, name).map((s) => s.p99Ms))] as const,
          ),
        })),
      },
    ]
    const goals: GoalCheck[] = []
    const quantile = (lanes: number, name: string, q: 'p50Ms' | 'p99Ms') =>
      median(slices(lanes, name).map((s) => s[q]))
    for (const [i, name] of BATCHED.entries()) {
      if (settings.levels.includes(8)) {
        const toFloor = medianRatio(rates(8, name), rates(8, FLOOR))
        goals.push({
          goal: `${name} decisions/s ≥ ${GOAL_C8_FLOOR_RATIO}× the floor, one Redis, 8 in flight`,
          met: toFloor >= GOAL_C8_FLOOR_RATIO,
          detail: `${formatRatio(toFloor)} floor`,
        })
      }
      const unbatched = UNBATCHED[i] as string
      for (const q of ['p50Ms', 'p99Ms'] as const) {
        const own = quantile(1, name, q)
        const bound = Math.min(quantile(1, FLOOR, q), quantile(1, unbatched, q)) * GOAL_C1_LATENCY_RATIO
        goals.push({
          goal: `${name} ${q.slice(0, 3)} latency at 1 in flight ≤ ${GOAL_C1_LATENCY_RATIO}× the floor's and the unbatched path's`,
          met: own <= bound,
          detail: `${formatMs(own)} vs floor ${formatMs(quantile(1, FLOOR, q))}, unbatched ${formatMs(quantile(1, unbatched, q))}`,
        })
      }
    }
    return {
      title: 'How cost grows with concurrency, Redis',
      markdown,
      goals,
      charts,
      facts: [`Redis ${server.version}`],
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await server.stop()
  }
}

export const redisConcurrency: Case = {
  name: 'redis-concurrency',
  family: 'redis',
  summary: 'decisions/s and p50/p99 on one Redis from 1 to 256 calls in flight',
  run,
}
