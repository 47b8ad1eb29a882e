/**
 * Decisions per second on one Redis: a redis-server of its own (started here through
 * @sluice/test-services on a free 127.0.0.1 port, stopped at the end), 10,000 keys, one
 * precomputed pseudo-random key sequence that every contender walks, 64 calls in flight.
 *
 * Each contender runs in its own worker thread (see ../isolate.ts) with its own ioredis clients;
 * only one worker works at a time, so Redis serves one contender at a time. The concurrency is 64
 * lanes: async loops in that worker, each awaiting one decision at a time on the next key of the
 * sequence, timing each call (its latency). Per variant a contender gets a fresh client and
 * instance whose 10,000 keys are each seen once (untimed) before its first slice, so the timed
 * calls update existing state; the slices of a variant walk on through the sequence.
 *
 * Besides rates and latencies each slice reads what Redis did (INFO commandstats, before and after,
 * on a connection of its own): scripts run and commands run per decision, and the microseconds spent
 * in the scripts; the CPU time of the worker thread, of the process's other threads and of
 * redis-server (and how long they waited for a CPU); and what other processes took meanwhile, which
 * tells a disturbed run. The commands the client sends per decision (its round trips) are counted
 * apart, on a client of the same kind, so the timed clients stay untouched.
 */
import { ensureRedisInstalled, startRedis } from '@sluice/test-services'
import { Redis } from 'ioredis'
import type { Case, RunContext } from '../case.ts'
import {
  interleave,
  keySequence,
  machineCpuMs,
  median,
  medianRatio,
  quantiles,
  rate,
  type Samples,
  type SliceResult,
  type Slicer,
  schedStat,
  spread,
} from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
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
import {
  contenderNamed,
  type Decide,
  FLOOR,
  GOAL_ALGORITHMS,
  type LimitConfig,
  PEERS,
  REDIS_CONTENDERS,
  type RedisFactory,
  SEPARATE,
} from './contenders.ts'

const KEY_COUNT = 10_000
const SEQUENCE_LENGTH = 1 << 18
const SEED = 0x5eed
/** Calls in flight at a time: 64 lanes, each awaiting its own call. */
const LANES = 64
/** The goals: sluice's algorithms against the floor and against each peer. */
const GOAL_FLOOR_RATIO = 0.9
const GOAL_PEER_RATIO = 1.0
/**
 * Slices during which other processes used more than this share of one CPU were disturbed: on two
 * cores the contender's thread, V8's threads and redis-server already keep most of both busy.
 */
const DISTURBED_OTHERS = 0.1

interface Variant {
  readonly title: string
  readonly config: LimitConfig
  /** Calls per key before the first slice: 1 creates the state; more than `limit` exhausts it. */
  readonly prefill: number
}

const VARIANTS = {
  admitted: {
    title: 'every call admitted (limit 100,000 per hour per key)',
    config: { limit: 100_000, windowMs: 3_600_000 },
    prefill: 1,
  },
  denied: {
    title: 'every call denied (limit 1 per hour per key, used up before the timed calls)',
    config: { limit: 1, windowMs: 3_600_000 },
    // One call per key uses the limit up in every contender here (no leaky bucket among them).
    prefill: 1,
  },
} satisfies Record<string, Variant>

type VariantName = keyof typeof VARIANTS

interface Setup {
  readonly contender: string
  /** The contender's index: its keys' namespaces start with it, so no two contenders share state. */
  readonly id: number
  readonly url: string
  /** redis-server's pid, for its CPU time (undefined if unknown). */
  readonly redisPid: number | undefined
  /** Calls per variant on a throwaway instance before the worker says it is ready. */
  readonly warmupCalls: number
}

interface SliceRequest {
  readonly variant: VariantName
  readonly budgetMs: number
}

interface RedisSlice extends SliceResult {
  /** Time the worker thread was runnable but waited for a CPU. */
  readonly waitMs: number | undefined
  /** CPU time of this Node process's other threads (V8's GC and compiler threads, mostly). */
  readonly otherThreadsCpuMs: number | undefined
  /** CPU time other processes took meanwhile: the machine's, less this process's and redis-server's. */
  readonly othersCpuMs: number | undefined
  readonly redisCpuMs: number | undefined
  readonly redisWaitMs: number | undefined
  /** Latency of one decision, from the call to its answer, over the slice's calls. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** Script calls Redis ran (EVALSHA and EVAL). */
  readonly scripts: number
  /** Every command Redis ran, those run inside the scripts included. */
  readonly redisCommands: number
  /** Microseconds Redis spent running the scripts (INFO commandstats `usec`). */
  readonly scriptUsec: number
  /** Commands the client sends per decision (see `sentPerDecision`). */
  readonly sentPerDecision: number
}

/** A growable array of latencies in milliseconds. */
class Latencies {
  #values = new Float64Array(1 << 16)
  #length = 0

  add(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#length++] = ms
  }

  clear(): void {
    this.#length = 0
  }

  /** The recorded values (a view: valid until the next `add` or `clear`). */
  values(): Float64Array {
    return this.#values.subarray(0, this.#length)
  }
}

type Stop = { readonly calls: number } | { readonly untilMs: number }

/**
 * Runs LANES async loops, each awaiting one decision at a time on the next key of `sequence`
 * (from `from` on, wrapping around), until `stop`: a number of calls, or a time (`performance.now()`)
 * after which each lane stops once its call has returned. Records each call's latency if asked.
 */
async function drive(
  decide: Decide,
  sequence: readonly string[],
  from: number,
  stop: Stop,
  latencies?: Latencies,
): Promise<{ calls: number; admitted: number }> {
  const maxCalls = 'calls' in stop ? stop.calls : Number.POSITIVE_INFINITY
  const untilMs = 'untilMs' in stop ? stop.untilMs : Number.POSITIVE_INFINITY
  let next = 0
  let admitted = 0
  const lane = async (): Promise<void> => {
    while (next < maxCalls) {
      const key = sequence[(from + next++) % sequence.length] as string
      const start = performance.now()
      if (await decide(key)) admitted++
      const end = performance.now()
      latencies?.add(end - start)
      if (end >= untilMs) return
    }
  }
  await Promise.all(Array.from({ length: LANES }, lane))
  return { calls: next, admitted }
}

interface CommandStats {
  readonly scripts: number
  readonly scriptUsec: number
  readonly commands: number
}

/** Totals of INFO commandstats, the INFO commands that read them left out. */
async function commandStats(admin: Redis): Promise<CommandStats> {
  const text = await admin.info('commandstats')
  let scripts = 0
  let scriptUsec = 0
  let commands = 0
  for (const [, name, calls, usec] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (name === 'info') continue
    commands += Number(calls)
    if (name === 'evalsha' || name === 'eval') {
      scripts += Number(calls)
      scriptUsec += Number(usec)
    }
  }
  return { scripts, scriptUsec, commands }
}

/** Keys and calls of the count of commands sent per decision. */
const COUNT_KEYS = 100
const COUNT_WARMUP = 100
const COUNTED_CALLS = 500

/**
 * Commands the client sends per decision: its round trips to Redis. Counted on a client of the
 * same kind as the timed ones (a fresh connection, a namespace of its own, COUNT_KEYS keys
 * prefilled as the variant's), whose `sendCommand` counts: every ioredis command goes through it,
 * script calls (EVALSHA, or EVAL where the script is not loaded yet) and `call` alike. The timed
 * clients are left as they are. The first decisions (connection, script loading, sluice's
 * version check) are not counted.
 */
async function sentPerDecision(
  create: RedisFactory,
  url: string,
  variant: Variant,
  namespace: string,
): Promise<number> {
  const client = new Redis(url)
  let sent = 0
  const send = client.sendCommand
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    sent++
    return send.apply(client, args)
  }) as Redis['sendCommand']
  try {
    const keys = Array.from({ length: COUNT_KEYS }, (_, i) => `user:${i}`)
    const decide = await create(client, variant.config, namespace)
    await drive(decide, keys, 0, { calls: COUNT_KEYS * variant.prefill + COUNT_WARMUP })
    sent = 0
    await drive(decide, keys, 0, { calls: COUNTED_CALLS })
    return sent / COUNTED_CALLS
  } finally {
    await client.quit()
  }
}

const isolate = defineIsolate<Setup, SliceRequest, RedisSlice>(
  import.meta.url,
  'redis-throughput',
  async ({ contender: name, id, url, redisPid, warmupCalls }) => {
    const create = await contenderNamed(name).load()
    const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user:${i}`)
    const sequence = keySequence(keys, SEQUENCE_LENGTH, SEED)
    const admin = new Redis(url)
    // Per variant: a fresh client and instance, its keys all seen once (untimed) before its first
    // slice, so the timed calls update existing state. That prefill and `warmupCalls` more calls
    // on the sequence (counted in calls, not time: on a busy machine the optimising compiler runs
    // late) are the warm-up. Every slice of a variant goes on where the last one stopped.
    const instances = new Map<VariantName, { decide: Decide; from: number; sent: number }>()
    for (const [variantName, variant] of Object.entries(VARIANTS) as [VariantName, Variant][]) {
      const decide = await create(new Redis(url), variant.config, `b${id}-${variantName}`)
      for (let p = 0; p < variant.prefill; p++) await drive(decide, keys, 0, { calls: keys.length })
      await drive(decide, sequence, 0, { calls: warmupCalls })
      const sent = await sentPerDecision(create, url, variant, `b${id}-count-${variantName}`)
      instances.set(variantName, { decide, from: warmupCalls % SEQUENCE_LENGTH, sent })
    }
    const latencies = new Latencies()
    return async ({ variant, budgetMs }) => {
      const current = instances.get(variant)
      if (current === undefined) throw new Error(`no variant ${variant}`)
      // No forced GC before a slice (unlike the in-process cases): each contender's garbage stays
      // in its own worker's heap anyway, and a full GC leaves V8's threads sweeping through the
      // next slice, taking a core from redis-server on a two-core machine.
      const before = await commandStats(admin)
      latencies.clear()
      const machine0 = machineCpuMs()
      const process0 = process.cpuUsage()
      const node0 = schedStat()
      const redis0 = redisPid === undefined ? undefined : schedStat(redisPid)
      const start = performance.now()
      const { calls, admitted } = await drive(
        current.decide,
        sequence,
        current.from,
        { untilMs: start + budgetMs },
        latencies,
      )
      const ms = performance.now() - start
      const node1 = schedStat()
      const process1 = process.cpuUsage(process0)
      const redis1 = redisPid === undefined ? undefined : schedStat(redisPid)
      const machine1 = machineCpuMs()
      const after = await commandStats(admin)
      current.from = (current.from + calls) % SEQUENCE_LENGTH
      const [p50Ms, p99Ms] = quantiles(latencies.values(), [0.5, 0.99]) as [number, number]
      const both = node0 !== undefined && node1 !== undefined
      const bothRedis = redis0 !== undefined && redis1 !== undefined
      const processCpuMs = (process1.user + process1.system) / 1000
      return {
        calls,
        ms,
        admitted,
        cpuMs: both ? node1.cpuMs - node0.cpuMs : undefined,
        waitMs: both ? node1.waitMs - node0.waitMs : undefined,
        otherThreadsCpuMs: both ? processCpuMs - (node1.cpuMs - node0.cpuMs) : undefined,
        othersCpuMs:
          bothRedis && machine0 !== undefined && machine1 !== undefined
            ? machine1 - machine0 - processCpuMs - (redis1.cpuMs - redis0.cpuMs)
            : undefined,
        redisCpuMs: bothRedis ? redis1.cpuMs - redis0.cpuMs : undefined,
        redisWaitMs: bothRedis ? redis1.waitMs - redis0.waitMs : undefined,
        p50Ms,
        p99Ms,
        scripts: after.scripts - before.scripts,
        redisCommands: after.commands - before.commands,
        scriptUsec: after.scriptUsec - before.scriptUsec,
        sentPerDecision: current.sent,
      }
    }
  },
)

interface Settings {
  readonly rounds: number
  readonly warmup: number
  readonly budgetMs: number
  readonly warmupCalls: number
}

async function run(context: RunContext): Promise<Section> {
  const settings: Settings = context.quick
    ? { rounds: 5, warmup: 1, budgetMs: 50, warmupCalls: 0 }
    : { rounds: 15, warmup: 1, budgetMs: 150, warmupCalls: 10_000 }
  const contenders = REDIS_CONTENDERS
  context.progress('redis-throughput: starting redis-server')
  await ensureRedisInstalled()
  const server = await startRedis()
  const clients: Awaited<ReturnType<typeof isolate.start>>[] = []
  try {
    context.progress(`redis-throughput: starting ${contenders.length} workers (each warms up first)`)
    const started = await Promise.allSettled(
      contenders.map((c, id) =>
        isolate.start({
          contender: c.name,
          id,
          url: server.url,
          redisPid: server.pid,
          warmupCalls: settings.warmupCalls,
        }),
      ),
    )
    for (const s of started) if (s.status === 'fulfilled') clients.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason
    const redisVersion = /redis_version:(\S+)/.exec(await redisInfo(server.url))?.[1] ?? 'unknown'

    const parts: string[] = [
      `One redis-server ${redisVersion} (started for this case on 127.0.0.1, no persistence), one Node process. ` +
        `${formatInteger(KEY_COUNT)} keys; every contender walks the same pseudo-random sequence of them ` +
        `(seed ${SEED}) with ${LANES} calls in flight (${LANES} async lanes, each awaiting its own calls). ` +
        'Each contender runs in its own worker thread. Per variant it has its own ioredis client (a fresh ' +
        'connection) and instance, whose keys were all seen once (untimed) before its first slice, then ' +
        `${formatInteger(settings.warmupCalls)} more calls on the sequence (warm-up, counted in calls); then ` +
        `${settings.warmup} warm-up round(s) and ${settings.rounds} interleaved rounds of one ${settings.budgetMs} ms ` +
        'slice per contender. Rates and latencies are medians over rounds (latency: of each round’s p50 and p99 per ' +
        'decision, timed from the call to its answer); ratios are medians of the per-round ratios.',
    ]
    const goals: GoalCheck[] = []
    for (const variantName of Object.keys(VARIANTS) as VariantName[]) {
      const variant: Variant = VARIANTS[variantName]
      const slicers: Slicer[] = contenders.map((c, i) => ({
        name: c.name,
        slice: () =>
          clients[i]?.request({ variant: variantName, budgetMs: settings.budgetMs }) as Promise<RedisSlice>,
      }))
      let lastRound = Number.NaN
      const samples = await interleave(slicers, {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound)
            context.progress(`redis-throughput ${variantName}: ${roundLabel(round, settings)}`)
          lastRound = round
        },
      })
      parts.push(`### ${variant.title}`, ...report(samples, variantName, goals))
    }
    return { title: 'Throughput, Redis (ioredis)', markdown: parts.join('\n\n'), goals }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await server.stop()
  }
}

async function redisInfo(url: string): Promise<string> {
  const client = new Redis(url)
  try {
    return await client.info('server')
  } finally {
    await client.quit()
  }
}

/** The markdown of one variant (disturbance, tables), pushing its goals. */
function report(samples: Samples, variantName: VariantName, goals: GoalCheck[]): string[] {
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
  const main = REDIS_CONTENDERS.filter((c) => !separate.has(c.name)).map((c) => throughputRow(c.name))
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

  for (const name of GOAL_ALGORITHMS) {
    const toFloor = medianRatio(rates(name), rates(FLOOR))
    goals.push({
      goal: `${name} decisions/s ≥ ${GOAL_FLOOR_RATIO}× the floor, ${variantName}`,
      met: toFloor >= GOAL_FLOOR_RATIO,
      detail: `${formatRatio(toFloor)} floor`,
    })
    const toPeers = PEERS.map((peer) => medianRatio(rates(name), rates(peer)))
    goals.push({
      goal: `${name} decisions/s ≥ ${GOAL_PEER_RATIO.toFixed(1)}× each peer, ${variantName}`,
      met: toPeers.every((r) => r >= GOAL_PEER_RATIO),
      detail: PEERS.map((peer, i) => `${formatRatio(toPeers[i] as number)} ${shortName(peer)}`).join(', '),
    })
  }

  return [
    ...cpuLine,
    table(throughputHeaders, main, throughputAlign),
    `Reported apart (no goal): slidingLog keeps one sorted-set entry per admitted request, so its cost grows with the traffic a key had.`,
    table(throughputHeaders, apart, throughputAlign),
    'Where the time goes, per decision (medians over rounds). *Sent*: commands the client sends, counted on a ' +
      'client of the same kind (1.00 = one round trip). *Scripts* (EVALSHA + EVAL) and *Redis commands* (the script ' +
      'call and the commands it runs): from INFO commandstats. *Script µs*: Redis’s `usec_per_call` of those ' +
      'script calls, the time spent inside the script. *redis-server CPU* and *Node CPU* (the contender’s worker ' +
      'thread: ioredis, the library and the lanes): CPU time per decision. Redis serves on one core and the ' +
      'client runs on the other, so the larger of the two bounds the rate.',
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
    'decisions/s and latency on one Redis through ioredis, 64 in flight, vs peers and an EVALSHA floor',
  run,
}
