/**
 * Decisions per second on Upstash REST: the local Upstash-compatible server of
 * @sluice/test-services (`startUpstashServer`, in this process, over a redis-server of the case's
 * own), sluice's upstash store against @upstash/ratelimit, algorithm for algorithm, and an
 * EVALSHA floor. Each contender runs in its own worker thread with its own @upstash/redis client;
 * 10,000 keys, the same seeded sequence as the other cases, 32 calls in flight, rounds interleaved.
 *
 * Every call is an HTTP request to a server on this machine that then calls Redis: the server
 * shares the two cores with the contender and redis-server, so the ratios (all three parts run for
 * every contender) mean more than the rates.
 */
import { readFileSync } from 'node:fs'
import { startUpstashServer } from '@sluice/test-services'
import { Redis as UpstashRedis } from '@upstash/redis'
import type { Case, RunContext } from '../case.ts'
import { onCleanup } from '../cleanup.ts'
import {
  interleave,
  keySequence,
  median,
  medianRatio,
  quantiles,
  rate,
  type SliceResult,
  type Slicer,
  spread,
} from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
import { drive, Latencies } from '../lanes.ts'
import { startTarget } from '../redis/target.ts'
import {
  formatInteger,
  formatMs,
  formatPercent,
  formatRate,
  formatRateRange,
  formatRatio,
  type GoalCheck,
  type Section,
  table,
} from '../report.ts'
import type { Chart } from '../svg.ts'
import { type BilledAlgorithm, type BilledCost, billedCommands } from './billed.ts'
import { contenderNamed, type Decide, FLOOR, SHARED_ALGORITHMS, UPSTASH_CONTENDERS } from './contenders.ts'

const KEY_COUNT = 10_000
/** --quick: a tenth of the keys to fill first. */
const QUICK_KEY_COUNT = 1_000
const SEQUENCE_LENGTH = 1 << 17
const SEED = 0x5eed
const LANES = 32
const SETUP_LANES = 32

const VARIANTS = {
  admitted: {
    title: 'every call admitted (limit 100,000 per hour per key)',
    config: { limit: 100_000, windowMs: 3_600_000 },
  },
  denied: {
    title: 'every call denied (limit 1 per hour per key, used up before the timed calls)',
    config: { limit: 1, windowMs: 3_600_000 },
  },
} as const

type VariantName = keyof typeof VARIANTS

interface Setup {
  readonly contender: string
  readonly id: number
  readonly url: string
  readonly token: string
  readonly warmupCalls: number
  readonly keyCount: number
}

interface Request {
  readonly variant: VariantName
  readonly budgetMs: number
}

interface UpstashSlice extends SliceResult {
  readonly p50Ms: number
  readonly p99Ms: number
}

const isolate = defineIsolate<Setup, Request, UpstashSlice>(
  import.meta.url,
  'upstash-throughput',
  async ({ contender, id, url, token, warmupCalls, keyCount }) => {
    const create = await contenderNamed(contender).load()
    const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}`)
    const sequence = keySequence(keys, SEQUENCE_LENGTH, SEED)
    const instances = new Map<VariantName, { decide: Decide; from: number }>()
    for (const [name, variant] of Object.entries(VARIANTS) as [
      VariantName,
      (typeof VARIANTS)[VariantName],
    ][]) {
      // A client of its own per variant, as its README makes it.
      const decide = await create(new UpstashRedis({ url, token }), variant.config, `u${id}-${name}`)
      // Every key seen once (the denied variant: its one call used up), then the warm-up calls.
      await drive(decide, keys, 0, SETUP_LANES, { calls: keys.length })
      await drive(decide, sequence, 0, SETUP_LANES, { calls: warmupCalls })
      instances.set(name, { decide, from: warmupCalls % SEQUENCE_LENGTH })
    }
    const latencies = new Latencies()
    return async ({ variant, budgetMs }) => {
      const current = instances.get(variant)
      if (current === undefined) throw new Error(`no variant ${variant}`)
      latencies.clear()
      const start = performance.now()
      const { calls, admitted } = await drive(
        current.decide,
        sequence,
        current.from,
        LANES,
        { untilMs: start + budgetMs },
        latencies,
      )
      const ms = performance.now() - start
      current.from = (current.from + calls) % SEQUENCE_LENGTH
      const [p50Ms, p99Ms] = quantiles(latencies.values(), [0.5, 0.99]) as [number, number]
      return { calls, ms, admitted, p50Ms, p99Ms }
    }
  },
)

function formatBilled(value: number | undefined): string {
  return value === undefined ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(1)
}

function peerOf(name: string): string | undefined {
  const algorithm = /^sluice (\w+)$/.exec(name)?.[1]
  return SHARED_ALGORITHMS.some((a) => a === algorithm) ? `@upstash/ratelimit ${algorithm}` : undefined
}

/** The library and algorithm of a contender whose billed commands are counted (not the floor). */
function billedOf(name: string): ['sluice' | '@upstash/ratelimit', BilledAlgorithm] | undefined {
  const match = /^(sluice|@upstash\/ratelimit) (fixedWindow|slidingWindow|tokenBucket|gcra)$/.exec(name)
  return match ? [match[1] as 'sluice' | '@upstash/ratelimit', match[2] as BilledAlgorithm] : undefined
}

/** Each contender's billed commands per decision, one contender at a time (see billed.ts). */
async function billedCosts(target: Parameters<typeof billedCommands>[0]): Promise<Map<string, BilledCost>> {
  const costs = new Map<string, BilledCost>()
  for (const c of UPSTASH_CONTENDERS) {
    const of = billedOf(c.name)
    if (of !== undefined) costs.set(c.name, await billedCommands(target, ...of))
  }
  return costs
}

async function run(context: RunContext): Promise<Section> {
  const settings = context.quick
    ? { rounds: 2, warmup: 1, budgetMs: 50, warmupCalls: 0 }
    : { rounds: 9, warmup: 1, budgetMs: 200, warmupCalls: 3_000 }
  context.progress('upstash-throughput: starting redis-server and the local Upstash server')
  const redis = await startTarget('single')
  const node = redis.target.nodes[0] as { host: string; port: number }
  const server = await startUpstashServer({ redisUrl: `redis://${node.host}:${node.port}` })
  const stopServer = onCleanup(() => server.stop())
  context.progress('upstash-throughput: counting billed commands per decision (INFO commandstats)')
  // Before the workers start: INFO commandstats counts every client of this redis-server.
  const billed = await billedCosts({ url: server.url, token: server.token, redis: node })
  const clients: Awaited<ReturnType<typeof isolate.start>>[] = []
  try {
    context.progress(
      `upstash-throughput: starting ${UPSTASH_CONTENDERS.length} workers (each fills its keys first)`,
    )
    const started = await Promise.allSettled(
      UPSTASH_CONTENDERS.map((c, id) =>
        isolate.start({
          contender: c.name,
          id,
          url: server.url,
          token: server.token,
          warmupCalls: settings.warmupCalls,
          keyCount: context.quick ? QUICK_KEY_COUNT : KEY_COUNT,
        }),
      ),
    )
    for (const s of started) if (s.status === 'fulfilled') clients.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason
    const deps = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        devDependencies: Record<string, string>
      }
    ).devDependencies
    const parts: string[] = [
      `The local Upstash REST server of @sluice/test-services (in this process) over one redis-server ${redis.version}. ` +
        `Each contender in its own worker thread with its own @upstash/redis ${deps['@upstash/redis']} client ` +
        '(`new Redis({ url, token })`, defaults: automatic pipelining on); @upstash/ratelimit ' +
        `${deps['@upstash/ratelimit']} with its defaults (ephemeral cache on, analytics off). ` +
        `${formatInteger(context.quick ? QUICK_KEY_COUNT : KEY_COUNT)} keys, the seeded sequence of the other cases, ${LANES} calls in flight; per variant ` +
        `every key seen once before the first slice, then ${formatInteger(settings.warmupCalls)} warm-up calls; ` +
        `${settings.warmup} warm-up round and ${settings.rounds} interleaved rounds of one ${settings.budgetMs} ms slice ` +
        'per contender. Ratios are medians of per-round ratios; `÷ peer` compares each sluice algorithm with ' +
        '@upstash/ratelimit’s algorithm of the same name.',
    ]
    const goals: GoalCheck[] = []
    const bars: Chart[] = []
    for (const variantName of Object.keys(VARIANTS) as VariantName[]) {
      const slicers: Slicer[] = UPSTASH_CONTENDERS.map((c, i) => ({
        name: c.name,
        slice: () =>
          clients[i]?.request({ variant: variantName, budgetMs: settings.budgetMs }) as Promise<UpstashSlice>,
      }))
      let lastRound = Number.NaN
      const samples = await interleave(slicers, {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound) {
            const r = round < 0 ? 'warm-up' : `round ${round + 1}/${settings.rounds}`
            context.progress(`upstash-throughput ${variantName}: ${r}`)
          }
          lastRound = round
        },
      })
      const slices = (name: string): UpstashSlice[] => (samples.get(name) ?? []) as UpstashSlice[]
      const rates = (name: string): number[] => slices(name).map(rate)
      const rows = UPSTASH_CONTENDERS.map((c) => {
        const list = slices(c.name)
        const s = spread(rates(c.name))
        const peer = peerOf(c.name)
        return [
          c.name,
          formatRate(s.median),
          formatRateRange(s.min, s.max),
          formatMs(median(list.map((r) => r.p50Ms))),
          formatMs(median(list.map((r) => r.p99Ms))),
          formatPercent(list.reduce((t, r) => t + r.admitted, 0) / list.reduce((t, r) => t + r.calls, 0)),
          formatRatio(medianRatio(rates(c.name), rates(FLOOR))),
          peer === undefined ? '–' : formatRatio(medianRatio(rates(c.name), rates(peer))),
          formatBilled(billed.get(c.name)?.[variantName]),
        ]
      })
      parts.push(
        `### ${VARIANTS[variantName].title}`,
        table(
          [
            'contender',
            'decisions/s (median)',
            'spread (min–max)',
            'p50 latency',
            'p99 latency',
            'admitted',
            '÷ floor',
            '÷ peer',
            'billed commands / decision',
          ],
          rows,
          ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
      )
      for (const algorithm of SHARED_ALGORITHMS) {
        const ratio = medianRatio(rates(`sluice ${algorithm}`), rates(`@upstash/ratelimit ${algorithm}`))
        goals.push({
          goal: `sluice ${algorithm} decisions/s ≥ 1.0× @upstash/ratelimit ${algorithm}, ${variantName}`,
          met: ratio >= 1,
          detail: formatRatio(ratio),
        })
      }
      if (variantName === 'admitted') {
        bars.push({
          kind: 'bar',
          file: 'upstash-throughput.svg',
          title: 'Upstash REST (local server): decisions/s, every call admitted (median)',
          unit: 'decisions/s',
          bars: UPSTASH_CONTENDERS.map((c) => ({
            label: c.name,
            value: median(rates(c.name)),
            group: c.group,
          })),
        })
      }
    }
    parts.push(
      'Billed commands / decision: what Upstash bills for one decision (the EVALSHA and every command the ' +
        'script runs), counted from redis-server `INFO commandstats` one decision at a time on a fresh key ' +
        '(admitted: the mean over its first 5 decisions, limit 5; denied: the next 5), denial caches off; ' +
        "@upstash/ratelimit sends PEXPIRE only on a key's first request, hence its fractions. Reproduce: " +
        '`pnpm exec vitest run benchmarks/test/billed.test.ts`. A Global database replicates every write to each ' +
        'read region: see the upstash package README for what that adds to the bill.',
    )
    parts.push(
      'In the denied variant both libraries answer many calls from memory: @upstash/ratelimit from its ephemeral ' +
        'cache (a key it saw over its limit stays blocked until its reset), sluice from its deny cache (`denyCache`, on ' +
        'by default for network stores: a key the store denied until T is answered in-process until T). Both are ' +
        'their defaults, so both are kept.',
    )
    return {
      title: 'Throughput, Upstash REST (local server)',
      markdown: parts.join('\n\n'),
      goals,
      charts: bars,
      facts: [`Redis ${redis.version}`],
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await stopServer()
    await redis.stop()
  }
}

export const upstashThroughput: Case = {
  name: 'upstash-throughput',
  family: 'upstash',
  summary: 'decisions/s on Upstash REST (local server): sluice upstash store vs @upstash/ratelimit',
  run,
}
