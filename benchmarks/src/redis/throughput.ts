/**
 * Decisions per second on Redis, one Node process: a redis-server or a 3-master Redis Cluster of
 * the case's own (started through @sluice/test-services on free 127.0.0.1 ports, stopped at the
 * end), 10,000 keys, one precomputed pseudo-random key sequence that every contender walks, 64
 * calls in flight.
 *
 * Each contender runs in its own worker thread (see ./worker.ts) with its own ioredis clients;
 * only one worker works at a time, so Redis serves one contender at a time. Per variant a
 * contender gets a fresh client and instance whose 10,000 keys are each seen once (untimed) before
 * its first slice, so the timed calls update existing state; the slices of a variant walk on
 * through the sequence.
 */
import type { Case, RunContext } from '../case.ts'
import { interleave, median, medianRatio, rate, type Samples, type Slicer, spread } from '../harness.ts'
import { observedSection } from '../observedTable.ts'
import {
  formatInteger,
  formatMicros,
  formatMs,
  formatPerCall,
  formatPercent,
  formatRate,
  formatRateRange,
  formatRatio,
  type GoalCheck,
  type Section,
  table,
} from '../report.ts'
import type { Bar, Chart } from '../svg.ts'
import {
  FLOOR,
  GLIDE_FLOOR,
  GLIDE_ROWS,
  GOAL_ALGORITHMS,
  NODE_REDIS_FLOOR,
  NODE_REDIS_PEER,
  NODE_REDIS_ROWS,
  PEERS,
  REDIS_CONTENDERS,
  SEPARATE,
  UNBATCHED_GOAL_ALGORITHMS,
} from './contenders.ts'
import { describeTopology, startTarget, type Topology } from './target.ts'
import {
  KEY_COUNT,
  QUICK_KEY_COUNT,
  type RedisSlice,
  type RedisWorkerClient,
  redisWorker,
  SEED,
  VARIANTS,
  type Variant,
  type VariantName,
} from './worker.ts'

/** Calls in flight at a time: 64 lanes, each awaiting its own call. */
const LANES = 64
/**
 * The goals (issue 16): without batching ≥ 0.9× the floor; with batching (the default) ≥ 3× the
 * floor on one Redis and ≥ 1.5× on a Cluster; ≥ 1.0× each peer either way; Redis CPU per decision
 * ≤ 1.2× the floor script's.
 */
const GOAL_FLOOR_RATIO = 0.9
const GOAL_BATCHED_FLOOR_RATIO: Record<Topology, number> = { single: 3, cluster: 1.5 }
const GOAL_PEER_RATIO = 1.0
const GOAL_REDIS_CPU_RATIO = 1.2
/**
 * Slices during which other processes used more than this share of one CPU were disturbed: on two
 * cores the contender's thread, V8's threads and redis-server already keep most of both busy.
 */
const DISTURBED_OTHERS = 0.1

interface Settings {
  readonly rounds: number
  readonly warmup: number
  readonly budgetMs: number
  readonly warmupCalls: number
}

function runOn(topology: Topology, name: string) {
  return async (context: RunContext): Promise<Section> => {
    const settings: Settings = context.quick
      ? { rounds: 3, warmup: 1, budgetMs: 50, warmupCalls: 0 }
      : { rounds: 15, warmup: 1, budgetMs: 150, warmupCalls: 10_000 }
    const contenders = REDIS_CONTENDERS
    context.progress(`${name}: starting ${describeTopology(topology)}`)
    const server = await startTarget(topology)
    const clients: RedisWorkerClient[] = []
    try {
      context.progress(`${name}: starting ${contenders.length} workers (each warms up first)`)
      const started = await Promise.allSettled(
        contenders.map((c, id) =>
          redisWorker.start({
            contenders: [{ name: c.name, namespace: `b${id}` }],
            target: server.target,
            variants: Object.keys(VARIANTS) as VariantName[],
            warmupCalls: settings.warmupCalls,
            countSent: true,
            keyCount: context.quick ? QUICK_KEY_COUNT : KEY_COUNT,
            offset: 0,
          }),
        ),
      )
      for (const s of started) if (s.status === 'fulfilled') clients.push(s.value)
      for (const s of started) if (s.status === 'rejected') throw s.reason

      const where =
        topology === 'single'
          ? `One redis-server ${server.version} (started for this case on 127.0.0.1, no persistence)`
          : `A 3-master Redis Cluster, redis-server ${server.version} (started for this case on 127.0.0.1, no persistence; ` +
            'ioredis `Cluster` clients, keys spread over the masters by hash slot)'
      const parts: string[] = [
        `${where}, one Node process. ` +
          `${formatInteger(context.quick ? QUICK_KEY_COUNT : KEY_COUNT)} keys; every contender walks the same pseudo-random sequence of them ` +
          `(seed ${SEED}) with ${LANES} calls in flight (${LANES} async lanes, each awaiting its own calls). ` +
          'Each contender runs in its own worker thread. Per variant it has its own ioredis client (a fresh ' +
          'connection) and instance, whose keys were all seen once (untimed) before its first slice, then ' +
          `${formatInteger(settings.warmupCalls)} more calls on the sequence (warm-up, counted in calls); then ` +
          `${settings.warmup} warm-up round(s) and ${settings.rounds} interleaved rounds of one ${settings.budgetMs} ms ` +
          'slice per contender. Rates and latencies are medians over rounds (latency: of each round’s p50 and p99 per ' +
          'decision, timed from the call to its answer); ratios are medians of the per-round ratios.',
      ]
      const goals: GoalCheck[] = []
      const bars: Bar[] = []
      for (const variantName of Object.keys(VARIANTS) as VariantName[]) {
        const variant: Variant = VARIANTS[variantName]
        const slicers: Slicer[] = contenders.map((c, i) => ({
          name: c.name,
          slice: () =>
            clients[i]?.request({
              variant: variantName,
              budgetMs: settings.budgetMs,
              lanes: LANES,
            }) as Promise<RedisSlice>,
        }))
        let lastRound = Number.NaN
        const samples = await interleave(slicers, {
          ...settings,
          onSlice: (_name, round) => {
            if (round !== lastRound)
              context.progress(`${name} ${variantName}: ${roundLabel(round, settings)}`)
            lastRound = round
          },
        })
        parts.push(`### ${variant.title}`)
        for (const line of report(samples, variantName, topology, goals)) parts.push(line)
        if (variantName === 'admitted') {
          for (const c of contenders) {
            const rates = (samples.get(c.name) ?? []).map(rate)
            bars.push({ label: c.name, value: median(rates), group: c.group })
          }
        }
      }
      const chart: Chart = {
        kind: 'bar',
        file: `redis-${topology}-throughput.svg`,
        title: `Redis decisions/s, ${describeTopology(topology)}, 64 in flight, every call admitted (median)`,
        unit: 'decisions/s',
        bars,
      }
      return {
        title: `Throughput, Redis (ioredis), ${describeTopology(topology)}`,
        markdown: parts.join('\n\n'),
        goals,
        charts: [chart],
        facts: [`Redis ${server.version}`],
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await server.stop()
    }
  }
}

/** The markdown of one variant (disturbance, tables), pushing its goals. */
function report(
  samples: Samples,
  variantName: VariantName,
  topology: Topology,
  goals: GoalCheck[],
): string[] {
  const slices = (name: string): RedisSlice[] => (samples.get(name) ?? []) as RedisSlice[]
  const rates = (name: string): number[] => slices(name).map(rate)
  const perDecision = (name: string, of: (s: RedisSlice) => number | undefined): number =>
    median(slices(name).map((s) => (of(s) ?? Number.NaN) / s.calls))
  const rlfName = PEERS[0]
  const rlrName = PEERS[1]

  const throughputRow = (name: string): string[] => {
    const list = slices(name)
    const s = spread(rates(name))
    const calls = list.reduce((sum, r) => sum + r.calls, 0)
    const admitted = list.reduce((sum, r) => sum + r.admitted, 0)
    return [
      name,
      formatRate(s.median),
      formatRateRange(s.min, s.max),
      formatMs(median(list.map((r) => r.p50Ms))),
      formatMs(median(list.map((r) => r.p99Ms))),
      formatPercent(admitted / calls),
      formatRatio(medianRatio(rates(name), rates(FLOOR))),
      formatRatio(medianRatio(rates(name), rates(rlfName))),
      formatRatio(medianRatio(rates(name), rates(rlrName))),
    ]
  }
  const throughputHeaders = [
    'contender',
    'decisions/s (median)',
    'spread (min–max)',
    'p50 latency',
    'p99 latency',
    'admitted',
    '÷ floor',
    '÷ rate-limiter-flexible',
    '÷ rate-limit-redis',
  ]
  const throughputAlign = ['left', ...Array<'right'>(8).fill('right')] as const
  const separate = new Set<string>(SEPARATE)
  const nodeRedis = new Set<string>([
    ...NODE_REDIS_ROWS,
    NODE_REDIS_PEER,
    NODE_REDIS_FLOOR,
    ...GLIDE_ROWS,
    GLIDE_FLOOR,
  ])
  const main = REDIS_CONTENDERS.filter((c) => !separate.has(c.name) && !nodeRedis.has(c.name)).map((c) =>
    throughputRow(c.name),
  )
  // node-redis: each row against a bare node-redis EVALSHA of the floor script, and the same
  // limiter on ioredis (its row in the table above).
  // GLIDE likewise, against a bare GLIDE invokeScript of the floor script.
  const otherClientRow =
    (clientFloor: string, on: string) =>
    (name: string): string[] => {
      const list = slices(name)
      const s = spread(rates(name))
      const onIoredis = name.replace(on, '')
      return [
        name,
        formatRate(s.median),
        formatRateRange(s.min, s.max),
        formatMs(median(list.map((r) => r.p50Ms))),
        formatMs(median(list.map((r) => r.p99Ms))),
        formatRatio(medianRatio(rates(name), rates(clientFloor))),
        name === clientFloor
          ? formatRatio(medianRatio(rates(name), rates(FLOOR)))
          : formatRatio(medianRatio(rates(name), rates(onIoredis))),
      ]
    }
  const nodeRedisRows = [...NODE_REDIS_ROWS, NODE_REDIS_PEER, NODE_REDIS_FLOOR].map(
    otherClientRow(NODE_REDIS_FLOOR, ' on node-redis'),
  )
  const glideRows = [...GLIDE_ROWS, GLIDE_FLOOR].map(otherClientRow(GLIDE_FLOOR, ' on valkey-glide'))
  const apart = SEPARATE.map((name) => throughputRow(name))

  const costRows = REDIS_CONTENDERS.map((c) => [
    c.name,
    formatPerCall(median(slices(c.name).map((s) => s.sentPerDecision))),
    formatPerCall(perDecision(c.name, (s) => s.scripts)),
    formatPerCall(perDecision(c.name, (s) => s.redisCommands)),
    formatMicros(median(slices(c.name).map((s) => s.scriptUsec / s.scripts))),
    formatMicros(perDecision(c.name, (s) => (s.redisCpuMs === undefined ? undefined : s.redisCpuMs * 1000))),
    formatMicros(perDecision(c.name, (s) => (s.cpuMs === undefined ? undefined : s.cpuMs * 1000))),
  ])

  const all = [...samples.values()].flat() as RedisSlice[]
  const share = (of: (s: RedisSlice) => number | undefined): number => {
    let part = 0
    let wall = 0
    for (const s of all) {
      const x = of(s)
      if (x === undefined) return Number.NaN
      part += x
      wall += s.ms
    }
    return part / wall
  }
  const nodeCpu = share((s) => s.cpuMs)
  const nodeWait = share((s) => s.waitMs)
  const otherThreads = share((s) => s.otherThreadsCpuMs)
  const redisCpu = share((s) => s.redisCpuMs)
  const redisWait = share((s) => s.redisWaitMs)
  const others = share((s) => s.othersCpuMs)
  const cpuLine = Number.isNaN(nodeCpu)
    ? []
    : [
        `During the timed slices (shares of one CPU over their wall time): the contenders’ worker thread ran ` +
          `${formatPercent(nodeCpu)} and waited for a CPU ${formatPercent(nodeWait)}; the process’s other threads ` +
          `(V8’s GC and compiler) ran ${formatPercent(otherThreads)}; redis-server ran ${formatPercent(redisCpu)} and ` +
          `waited ${formatPercent(redisWait)}; **other processes ran ${formatPercent(others)}**` +
          (Number.isNaN(others)
            ? '.'
            : others > DISTURBED_OTHERS
              ? `: more than ${formatPercent(DISTURBED_OTHERS)}, so these numbers are disturbed (run again).`
              : ` (at most ${formatPercent(DISTURBED_OTHERS)}: undisturbed).`),
      ]

  const on = topology === 'single' ? 'one Redis' : 'Cluster'
  const floorCpu = perDecision(FLOOR, (s) => s.redisCpuMs)
  for (const name of [...GOAL_ALGORITHMS, ...UNBATCHED_GOAL_ALGORITHMS]) {
    const toFloor = medianRatio(rates(name), rates(FLOOR))
    const floorGoal = name.endsWith('unbatched') ? GOAL_FLOOR_RATIO : GOAL_BATCHED_FLOOR_RATIO[topology]
    goals.push({
      goal: `${name} decisions/s ≥ ${floorGoal}× the floor, ${on}, ${variantName}`,
      met: toFloor >= floorGoal,
      detail: `${formatRatio(toFloor)} floor`,
    })
    const cpu = perDecision(name, (s) => s.redisCpuMs)
    if (!Number.isNaN(cpu) && !Number.isNaN(floorCpu)) {
      goals.push({
        goal: `${name} redis-server CPU per decision ≤ ${GOAL_REDIS_CPU_RATIO}× the floor's, ${on}, ${variantName}`,
        met: cpu <= GOAL_REDIS_CPU_RATIO * floorCpu,
        detail: `${formatMicros(cpu * 1000)} vs ${formatMicros(floorCpu * 1000)} (${formatRatio(cpu / floorCpu)})`,
      })
    }
    const toPeers = PEERS.map((peer) => medianRatio(rates(name), rates(peer)))
    goals.push({
      goal: `${name} decisions/s ≥ ${GOAL_PEER_RATIO.toFixed(1)}× each peer, ${on}, ${variantName}`,
      met: toPeers.every((r) => r >= GOAL_PEER_RATIO),
      detail: PEERS.map((peer, i) => `${formatRatio(toPeers[i] as number)} ${shortName(peer)}`).join(', '),
    })
  }
  for (const name of NODE_REDIS_ROWS) {
    const toFloor = medianRatio(rates(name), rates(NODE_REDIS_FLOOR))
    const floorGoal = name.endsWith('unbatched') ? GOAL_FLOOR_RATIO : GOAL_BATCHED_FLOOR_RATIO[topology]
    goals.push({
      goal: `${name} decisions/s ≥ ${floorGoal}× the node-redis floor, ${on}, ${variantName}`,
      met: toFloor >= floorGoal,
      detail: `${formatRatio(toFloor)} node-redis floor`,
    })
    const toPeer = medianRatio(rates(name), rates(NODE_REDIS_PEER))
    goals.push({
      goal: `${name} decisions/s ≥ ${GOAL_PEER_RATIO.toFixed(1)}× rate-limiter-flexible on node-redis, ${on}, ${variantName}`,
      met: toPeer >= GOAL_PEER_RATIO,
      detail: `${formatRatio(toPeer)} rate-limiter-flexible on node-redis`,
    })
  }
  for (const name of GLIDE_ROWS) {
    const toFloor = medianRatio(rates(name), rates(GLIDE_FLOOR))
    const floorGoal = name.endsWith('unbatched') ? GOAL_FLOOR_RATIO : GOAL_BATCHED_FLOOR_RATIO[topology]
    goals.push({
      goal: `${name} decisions/s ≥ ${floorGoal}× the valkey-glide floor, ${on}, ${variantName}`,
      met: toFloor >= floorGoal,
      detail: `${formatRatio(toFloor)} valkey-glide floor`,
    })
  }
  const roundTripNames = [...GOAL_ALGORITHMS, ...UNBATCHED_GOAL_ALGORITHMS, ...NODE_REDIS_ROWS, ...GLIDE_ROWS]
  const roundTrips = roundTripNames.map((name) => median(slices(name).map((s) => s.sentPerDecision)))
  goals.push({
    goal: `sluice: at most one round trip per decision (commands sent), ${on}, ${variantName}`,
    met: roundTrips.every((n) => n <= 1),
    detail: roundTripNames
      .map((name, i) => `${formatPerCall(roundTrips[i] as number)} ${name.slice(7)}`)
      .join(', '),
  })

  return [
    ...cpuLine,
    table(throughputHeaders, main, throughputAlign),
    ...(variantName === 'denied'
      ? [
          'sluice’s limiter keeps a deny cache by default on a network store (`denyCache`, 10,000 keys): a key the ' +
            'store denied until T is answered in-process until T, without a round trip (hence *sent* below 1 here). ' +
            'The peers have no such cache by default, so they ask Redis every time.',
        ]
      : []),
    observedSection(rates, {
      header: 'added Node CPU per decision',
      perDecisionUs: (name) =>
        slices(name).map((s) => (s.cpuMs === undefined ? Number.NaN : (s.cpuMs * 1000) / s.calls)),
    }),
    'sluice on node-redis (the `redis` package, v6: `nodeRedisStore({ client })`), each contender with its own ' +
      'node-redis client, against a bare node-redis EVALSHA of the floor script (through `sendCommand`, as the ' +
      'store sends its scripts) and the peer on the same client, rate-limiter-flexible with `useRedisPackage: true` ' +
      '(which sends its script text with EVAL on every call); *÷ on ioredis*: the same limiter on ioredis in the ' +
      'table above (for the node-redis floor: the ioredis floor).',
    table(
      [
        'contender',
        'decisions/s (median)',
        'spread (min–max)',
        'p50 latency',
        'p99 latency',
        '÷ node-redis floor',
        '÷ on ioredis',
      ],
      nodeRedisRows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    'sluice on Valkey GLIDE (`@valkey/valkey-glide` v2: `valkeyGlideStore({ client })`), each contender with its ' +
      'own GLIDE client, against a bare GLIDE `invokeScript` of the floor script (EVALSHA, as the store runs its ' +
      'scripts); *÷ on ioredis*: the same limiter on ioredis (for the GLIDE floor: the ioredis floor).',
    table(
      [
        'contender',
        'decisions/s (median)',
        'spread (min–max)',
        'p50 latency',
        'p99 latency',
        '÷ valkey-glide floor',
        '÷ on ioredis',
      ],
      glideRows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    `Reported apart (no goal): slidingLog keeps one sorted-set entry per admitted request, so its cost grows with the traffic a key had.`,
    table(throughputHeaders, apart, throughputAlign),
    'Where the time goes, per decision (medians over rounds). *Sent*: commands the client sends, counted on a ' +
      'client of the same kind (1.00 = one round trip). *Scripts* (EVALSHA + EVAL) and *Redis commands* (the script ' +
      'call and the commands it runs): from INFO commandstats. *Script µs*: Redis’s `usec_per_call` of those ' +
      'script calls, the time spent inside the script. *redis-server CPU* and *Node CPU* (the contender’s worker ' +
      'thread: ioredis, the library and the lanes): CPU time per decision' +
      (topology === 'single'
        ? '. Redis serves on one core and the client runs on the other, so the larger of the two bounds the rate.'
        : ', the three redis-servers summed (commandstats too).'),
    table(
      ['contender', 'sent', 'scripts', 'Redis commands', 'script µs', 'redis-server CPU', 'Node CPU'],
      costRows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  ]
}

function shortName(peer: string): string {
  return peer === PEERS[0] ? 'rate-limiter-flexible' : 'rate-limit-redis'
}

function roundLabel(round: number, settings: { rounds: number; warmup: number }): string {
  return round < 0 ? `warm-up ${-round}/${settings.warmup}` : `round ${round + 1}/${settings.rounds}`
}

export const redisThroughput: Case = {
  name: 'redis-throughput',
  family: 'redis',
  summary:
    'decisions/s and latency on one Redis through ioredis (and node-redis), 64 in flight, vs peers and an EVALSHA floor',
  run: runOn('single', 'redis-throughput'),
}

export const redisClusterThroughput: Case = {
  name: 'redis-cluster-throughput',
  family: 'redis',
  summary: 'the same on a 3-master Redis Cluster (ioredis Cluster client)',
  run: runOn('cluster', 'redis-cluster-throughput'),
}
