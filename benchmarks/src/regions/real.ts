/**
 * The real run of `@sluice/hybrid` (`pnpm bench regions-real`): 4 app processes on one real
 * redis-server, then on a 3-master Redis Cluster, sharing one `fixedWindow` limit at twice its rate,
 * with the sync interval swept from "every decision goes to Redis" to 1 s. Per setting: store calls
 * per decision (Store API calls, and the scripts Redis ran, from INFO commandstats), decision
 * latency, and the admission error against the exact limit next to the computed bound.
 */
import { type ChildProcess, fork } from 'node:child_process'
import type { Case, RunContext } from '../case.ts'
import { largest, quantiles } from '../harness.ts'
import { connectEachNode, type RedisTarget, startTarget, type Topology } from '../redis/target.ts'
import { formatMs, formatPerCall, formatPercent, type GoalCheck, type Section, table } from '../report.ts'
import type { Chart } from '../svg.ts'
import type { RealJob, RealResult } from './realWorker.ts'

const PROCESSES = 4
const LIMIT = 1000
const WINDOW_MS = 1000
/** Each process's rate: together twice the limit. */
const RATE_PER_PROCESS = 500
const SYNC_INTERVALS = [0, 10, 50, 200, 1000] as const
const BOUND = PROCESSES * Math.ceil(LIMIT / PROCESSES)

interface Row {
  readonly topology: Topology
  readonly syncIntervalMs: number
  readonly storeCallsPerDecision: number
  readonly scriptsPerDecision: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly over: number
  readonly under: number
  readonly worstOver: number
}

function startWorker(target: RedisTarget): Promise<ChildProcess> {
  const child = fork(new URL('./realWorker.ts', import.meta.url), [JSON.stringify(target)], {
    execArgv: ['--conditions=@sluice/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('error', reject)
  })
}

function ask(child: ChildProcess, job: RealJob): Promise<RealResult> {
  return new Promise((resolve) => {
    child.once('message', (result) => resolve(result as RealResult))
    child.send(job)
  })
}

/** Scripts Redis ran so far, summed over the target's nodes (INFO commandstats). */
async function scriptCalls(target: RedisTarget): Promise<number> {
  const nodes = connectEachNode(target)
  let sum = 0
  for (const node of nodes) {
    const info = await node.info('commandstats')
    for (const m of info.matchAll(/cmdstat_(?:evalsha|eval|evalsha_ro|fcall):calls=(\d+)/g))
      sum += Number(m[1])
    node.disconnect()
  }
  return sum
}

async function measure(topology: Topology, durationMs: number, context: RunContext): Promise<Row[]> {
  const running = await startTarget(topology)
  const workers: ChildProcess[] = []
  try {
    for (let i = 0; i < PROCESSES; i++) workers.push(await startWorker(running.target))
    const rows: Row[] = []
    for (const syncIntervalMs of SYNC_INTERVALS) {
      const before = await scriptCalls(running.target)
      const job: RealJob = {
        key: `real:${topology}:${syncIntervalMs}`,
        syncIntervalMs,
        instances: PROCESSES,
        limit: LIMIT,
        windowMs: WINDOW_MS,
        ratePerSecond: RATE_PER_PROCESS,
        // Every process starts at one instant, on a window boundary.
        startAt: Math.ceil((Date.now() + 500) / WINDOW_MS) * WINDOW_MS,
        durationMs,
      }
      const results = await Promise.all(workers.map((w) => ask(w, job)))
      const scripts = (await scriptCalls(running.target)) - before
      rows.push(summarise(topology, syncIntervalMs, results, scripts))
      context.progress(`regions-real: ${topology}, sync ${syncIntervalMs} ms`)
    }
    return rows
  } finally {
    for (const w of workers) w.send('exit')
    await Promise.all(
      workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(0)))),
    )
    await running.stop()
  }
}

function summarise(
  topology: Topology,
  syncIntervalMs: number,
  results: readonly RealResult[],
  scripts: number,
): Row {
  const demand = new Map<string, number>()
  const admitted = new Map<string, number>()
  let decisions = 0
  let storeCalls = 0
  const latencies: number[] = []
  for (const r of results) {
    decisions += r.decisions
    storeCalls += r.storeCalls
    for (const [w, n] of Object.entries(r.demand)) demand.set(w, (demand.get(w) ?? 0) + n)
    for (const [w, n] of Object.entries(r.admitted)) admitted.set(w, (admitted.get(w) ?? 0) + n)
    for (const l of r.latenciesMs) latencies.push(l)
  }
  let exact = 0
  let over = 0
  let under = 0
  let worstOver = 0
  for (const [w, d] of demand) {
    const a = admitted.get(w) ?? 0
    exact += Math.min(d, LIMIT)
    over += Math.max(0, a - LIMIT)
    under += Math.max(0, Math.min(d, LIMIT) - a)
    worstOver = Math.max(worstOver, a - LIMIT)
  }
  const [p50Ms, p99Ms] = quantiles(Float64Array.from(latencies), [0.5, 0.99]) as [number, number]
  return {
    topology,
    syncIntervalMs,
    storeCallsPerDecision: storeCalls / decisions,
    scriptsPerDecision: scripts / decisions,
    p50Ms,
    p99Ms,
    over: over / exact,
    under: under / exact,
    worstOver: Math.max(0, worstOver),
  }
}

function render(rows: readonly Row[], durationMs: number): Section {
  const name = (r: Row) =>
    r.syncIntervalMs === 0 ? 'central (ioredisStore)' : `hybrid, sync ${r.syncIntervalMs} ms`
  const markdown = [
    `${PROCESSES} app processes (Node, one ioredis client each) share \`fixedWindow({ limit: ${LIMIT}, window: '1s' })\` ` +
      `on one key, each issuing ${RATE_PER_PROCESS} decisions/s (together 2× the limit) for ${durationMs / 1000} s, ` +
      `starting together on a window boundary; \`hybridStore({ store: ioredisStore({ client }), instances: ${PROCESSES}, syncIntervalMs })\`. ` +
      "Store calls: calls to the shared store's `apply`; scripts: Lua scripts Redis ran (INFO commandstats; " +
      "ioredisStore batches one event-loop turn's decisions into one script). Over/under: admitted past, or refused " +
      `within, the exact limit per window, as a share of what the exact limit admits; worst window: the most one window ` +
      `went over, against the bound ${PROCESSES} × ceil(${LIMIT} / ${PROCESSES}) = ${BOUND}.`,
    '',
    table(
      [
        'target',
        'store',
        'store calls / decision',
        'scripts / decision',
        'p50',
        'p99',
        'over-admitted',
        'under-admitted',
        'worst window',
      ],
      rows.map((r) => [
        r.topology === 'single' ? 'one redis-server' : '3-master Cluster',
        name(r),
        formatPerCall(r.storeCallsPerDecision),
        formatPerCall(r.scriptsPerDecision),
        formatMs(r.p50Ms),
        formatMs(r.p99Ms),
        formatPercent(r.over),
        formatPercent(r.under),
        String(r.worstOver),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n')
  const worst = largest(rows.filter((r) => r.syncIntervalMs > 0).map((r) => r.worstOver))
  const goals: GoalCheck[] = [
    {
      goal: `hybrid real run: no window over the limit by more than the bound (${BOUND})`,
      met: worst <= BOUND,
      detail: `worst window ${worst} over`,
    },
  ]
  const charts: Chart[] = [
    {
      kind: 'line',
      file: 'regions-real.svg',
      title: 'hybridStore on Redis: store calls per decision against the sync interval',
      xLabel: 'sync interval (ms)',
      yLabel: 'store calls / decision',
      logX: true,
      logY: true,
      series: (['single', 'cluster'] as const).map((t) => ({
        name: t === 'single' ? 'one redis-server' : '3-master Cluster',
        group: 'sluice' as const,
        points: rows
          .filter((r) => r.topology === t && r.syncIntervalMs > 0)
          .map((r) => [r.syncIntervalMs, r.storeCallsPerDecision] as const),
      })),
    },
  ]
  return { title: 'Local-first store on real Redis: sync interval sweep', markdown, goals, charts }
}

export const regionsReal: Case = {
  name: 'regions-real',
  family: 'multi-region',
  summary: `${PROCESSES} processes on Redis and a Cluster, hybridStore's sync interval swept`,
  async run(context: RunContext): Promise<Section> {
    const durationMs = context.quick ? 2000 : 6000
    const rows = [
      ...(await measure('single', durationMs, context)),
      ...(await measure('cluster', durationMs, context)),
    ]
    return render(rows, durationMs)
  },
}
