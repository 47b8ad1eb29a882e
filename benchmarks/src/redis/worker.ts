/**
 * The worker thread every Redis case runs a contender in (see ../isolate.ts): its own V8 heap and
 * its own ioredis client per variant (a fresh connection), driving calls on a precomputed
 * pseudo-random key sequence with a number of calls in flight ("lanes": async loops, each awaiting
 * one decision at a time), timing each call.
 *
 * Besides rates and latencies each slice reads what Redis did (INFO commandstats on every node,
 * before and after, on connections of its own): scripts and commands run per decision and the
 * microseconds spent in the scripts; the CPU time of the worker thread, of the process's other
 * threads and of the redis-servers (and how long they waited for a CPU); and what other processes
 * took meanwhile, which tells a disturbed run. The commands the client sends per decision (its
 * round trips) are counted apart, on a client of the same kind, so the timed clients stay untouched.
 */
import type { Redis } from 'ioredis'
import { keySequence, machineCpuMs, quantiles, type SliceResult, schedStat } from '../harness.ts'
import { defineIsolate } from '../isolate.ts'
import { drive, Latencies } from '../lanes.ts'
import { contenderNamed, type Decide, type LimitConfig, type RedisFactory } from './contenders.ts'
import { type ClientKind, connectAs, connectEachNode, disconnect, type RedisTarget } from './target.ts'

/** Keys of a full run; --quick uses QUICK_KEY_COUNT (a tenth of the prefill). */
export const KEY_COUNT = 10_000
export const QUICK_KEY_COUNT = 1_000
const SEQUENCE_LENGTH = 1 << 18
export const SEED = 0x5eed

export interface Variant {
  readonly title: string
  readonly config: LimitConfig
  /** Calls per key before the first slice: 1 creates the state; more than `limit` exhausts it. */
  readonly prefill: number
}

export const VARIANTS = {
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

export type VariantName = keyof typeof VARIANTS

export interface Setup {
  /**
   * The contenders this worker runs, each with its key namespace (workers given the same one share
   * keys). One per worker wherever contenders are compared in one process, so that none shares a
   * V8 heap or compiled code with another; several where a case needs many workers.
   */
  readonly contenders: readonly { readonly name: string; readonly namespace: string }[]
  readonly target: RedisTarget
  /** The variants to prepare (an instance each). */
  readonly variants: readonly VariantName[]
  /** Calls per variant after the prefill, before the worker says it is ready. */
  readonly warmupCalls: number
  /** Count the commands sent per decision (on a separate client) while setting up. */
  readonly countSent: boolean
  /** Where in the key sequence this worker starts (workers sharing keys walk different parts). */
  readonly offset: number
  /** Distinct keys (each prefilled before the first slice). */
  readonly keyCount: number
}

export interface SliceRequest {
  /** Which of the worker's contenders; the first if not given. */
  readonly contender?: string
  readonly variant: VariantName
  readonly budgetMs: number
  /** Calls in flight. */
  readonly lanes: number
}

export interface RedisSlice extends SliceResult {
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
  /** Commands the client sends per decision (see `sentPerDecision`); NaN when not counted. */
  readonly sentPerDecision: number
}

/** Lanes of the prefill, warm-up and count of sent commands. */
const SETUP_LANES = 64

interface CommandStats {
  readonly scripts: number
  readonly scriptUsec: number
  readonly commands: number
}

/** Totals of INFO commandstats over every node, the INFO commands that read them left out. */
async function commandStats(admins: readonly Redis[]): Promise<CommandStats> {
  let scripts = 0
  let scriptUsec = 0
  let commands = 0
  for (const text of await Promise.all(admins.map((a) => a.info('commandstats')))) {
    for (const [, name, calls, usec] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      if (name === 'info') continue
      commands += Number(calls)
      if (name === 'evalsha' || name === 'eval') {
        scripts += Number(calls)
        scriptUsec += Number(usec)
      }
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
  kind: ClientKind,
  target: RedisTarget,
  variant: Variant,
  namespace: string,
): Promise<number> {
  const client = await connectAs(kind, target)
  let sent = 0
  // ioredis and node-redis send every command through their client's sendCommand (node-redis: the
  // store's raw commands; a Cluster's routing happens below it); GLIDE has a method per command:
  // the ones its store and floor use.
  type Send = (...args: unknown[]) => unknown
  const methods = kind === 'valkey-glide' ? ['invokeScript', 'customCommand', 'del'] : ['sendCommand']
  const counted = client as unknown as Record<string, Send>
  for (const method of methods) {
    const send = counted[method] as Send
    counted[method] = (...args: unknown[]) => {
      sent++
      return send.apply(client, args)
    }
  }
  try {
    const keys = Array.from({ length: COUNT_KEYS }, (_, i) => `user:${i}`)
    const decide = await create(client as Parameters<RedisFactory>[0], variant.config, namespace)
    await drive(decide, keys, 0, SETUP_LANES, { calls: COUNT_KEYS * variant.prefill + COUNT_WARMUP })
    sent = 0
    await drive(decide, keys, 0, SETUP_LANES, { calls: COUNTED_CALLS })
    return sent / COUNTED_CALLS
  } finally {
    disconnect(client)
  }
}

function sumSchedStat(pids: readonly number[]): { cpuMs: number; waitMs: number } | undefined {
  let cpuMs = 0
  let waitMs = 0
  for (const pid of pids) {
    const s = schedStat(pid)
    if (s === undefined) return undefined
    cpuMs += s.cpuMs
    waitMs += s.waitMs
  }
  return pids.length === 0 ? undefined : { cpuMs, waitMs }
}

export const redisWorker = defineIsolate<Setup, SliceRequest, RedisSlice>(
  import.meta.url,
  'redis',
  async ({ contenders, target, variants, warmupCalls, countSent, offset, keyCount }) => {
    const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}`)
    const sequence = keySequence(keys, SEQUENCE_LENGTH, SEED)
    const admins = connectEachNode(target)
    // Per contender and variant: a fresh client and instance, its keys all seen once (untimed)
    // before its first slice, so the timed calls update existing state. That prefill and
    // `warmupCalls` more calls on the sequence (counted in calls, not time: on a busy machine the
    // optimising compiler runs late) are the warm-up. Every slice goes on where the last one stopped.
    const instances = new Map<string, { decide: Decide; from: number; sent: number }>()
    for (const { name, namespace } of contenders) {
      const contender = contenderNamed(name)
      const kind = contender.client ?? 'ioredis'
      const create = await contender.load()
      for (const variantName of variants) {
        const variant: Variant = VARIANTS[variantName]
        const client = (await connectAs(kind, target)) as Parameters<RedisFactory>[0]
        const decide = await create(client, variant.config, `${namespace}-${variantName}`)
        for (let p = 0; p < variant.prefill; p++) {
          await drive(decide, keys, 0, SETUP_LANES, { calls: keys.length })
        }
        await drive(decide, sequence, offset, SETUP_LANES, { calls: warmupCalls })
        const sent = countSent
          ? await sentPerDecision(create, kind, target, variant, `${namespace}-count-${variantName}`)
          : Number.NaN
        instances.set(`${name}/${variantName}`, {
          decide,
          from: (offset + warmupCalls) % SEQUENCE_LENGTH,
          sent,
        })
      }
    }
    const latencies = new Latencies()
    return async ({ contender = contenders[0]?.name, variant, budgetMs, lanes }) => {
      const current = instances.get(`${contender}/${variant}`)
      if (current === undefined) throw new Error(`no contender ${contender} with variant ${variant}`)
      // No forced GC before a slice (unlike the in-process cases): each contender's garbage stays
      // in its own worker's heap anyway, and a full GC leaves V8's threads sweeping through the
      // next slice, taking a core from redis-server on a two-core machine.
      const before = await commandStats(admins)
      latencies.clear()
      const machine0 = machineCpuMs()
      const process0 = process.cpuUsage()
      const node0 = schedStat()
      const redis0 = sumSchedStat(target.pids)
      const start = performance.now()
      const { calls, admitted } = await drive(
        current.decide,
        sequence,
        current.from,
        lanes,
        { untilMs: start + budgetMs },
        latencies,
      )
      const ms = performance.now() - start
      const node1 = schedStat()
      const process1 = process.cpuUsage(process0)
      const redis1 = sumSchedStat(target.pids)
      const machine1 = machineCpuMs()
      const after = await commandStats(admins)
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

export type RedisWorkerClient = Awaited<ReturnType<typeof redisWorker.start>>
