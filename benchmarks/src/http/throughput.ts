/**
 * Requests per second of a hello-world app with and without a rate limiter: per framework the
 * bare app, the app with sluice's middleware (memory store) and the app with the framework's
 * usual peer, each in a child process of its own (see ./apps.ts), loaded in turn by autocannon
 * from this process over loopback.
 *
 * The limit is so high that every request is admitted: this is the cost a limiter adds to every
 * request that goes through. All requests come from one client address, so every limiter
 * updates one key: the cost measured is the middleware's, not the store's growth.
 */

import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import type { Case, RunContext } from '../case.ts'
import { onCleanup } from '../cleanup.ts'
import {
  interleave,
  median,
  medianRatio,
  rate,
  type Samples,
  type SliceResult,
  type Slicer,
  schedStat,
  spread,
} from '../harness.ts'
import {
  formatInteger,
  formatMicros,
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
  APP_KINDS,
  type AppKind,
  FRAMEWORKS,
  type Framework,
  LIMIT,
  PEERS,
  type RunningApp,
  startApp,
  WINDOW_MS,
} from './apps.ts'

/** autocannon's load: connections kept open, one request in flight on each. */
const CONNECTIONS = 10
const PIPELINING = 1
const GOAL_BARE_RATIO = 0.9
const GOAL_PEER_RATIO = 1.0

interface Settings {
  readonly rounds: number
  readonly warmup: number
  readonly sliceMs: number
}

interface HttpSlice extends SliceResult {
  readonly p50Ms: number
  readonly p99Ms: number
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** CPU time of the server's main thread during the slice, if the OS tells. */
  readonly serverCpuMs: number | undefined
}

/** One autocannon run of `sliceMs` against `app`, with the server's CPU time around it. */
async function load(app: RunningApp, sliceMs: number): Promise<HttpSlice> {
  const cpu0 = schedStat(app.pid)
  const result = await autocannon({
    url: app.url,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: sliceMs / 1000,
    // autocannon notices the end of its duration on its sampling tick: tick often.
    sampleInt: 50,
  })
  const cpu1 = schedStat(app.pid)
  return {
    calls: result.requests.total,
    ms: result.finish.getTime() - result.start.getTime(),
    admitted: result['2xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1.cpuMs - cpu0.cpuMs,
  }
}

/** One request before the rounds: the status, the body and the rate-limit headers each app sends. */
async function probe(app: RunningApp): Promise<{ status: number; body: string; headers: string[] }> {
  const response = await fetch(app.url)
  const body = await response.text()
  const headers = [...response.headers.keys()].filter((h) => /ratelimit|retry-after/i.test(h))
  return { status: response.status, body, headers }
}

function appName(framework: Framework, kind: AppKind): string {
  if (kind === 'bare') return `${framework} (bare)`
  if (kind === 'sluice') return `${framework} + @sluice/${framework}`
  return `${framework} + ${PEERS[framework]}`
}

function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  return pkg.devDependencies
}

async function run(context: RunContext): Promise<Section> {
  const settings: Settings = context.quick
    ? { rounds: 2, warmup: 1, sliceMs: 200 }
    : { rounds: 7, warmup: 3, sliceMs: 1000 }
  const v = versions()
  const parts: string[] = [
    `Per framework three apps answer \`GET /\` with "hello": bare, with sluice's middleware ` +
      `(\`createRateLimiter({ store: memoryStore(), algorithm: fixedWindow({ limit: ${formatInteger(LIMIT)}, window: ${WINDOW_MS} }) })\`, ` +
      'default options and headers) and with the peer (express-rate-limit with its default MemoryStore; ' +
      "koa-ratelimit with `driver: 'memory', db: new Map()`; hono-rate-limiter with a `keyGenerator` on the " +
      'socket address; @fastify/rate-limit with its default in-memory store, both Fastify plugins awaited before the route), the same limit and window: every request is admitted. Each app runs in a child ' +
      'process of its own on 127.0.0.1; autocannon loads it from this process over loopback ' +
      `(${CONNECTIONS} connections, pipelining ${PIPELINING}), one app at a time. ` +
      `${settings.warmup} warm-up rounds, then ${settings.rounds} interleaved rounds of one ` +
      `${settings.sliceMs} ms slice per app. Rates and latencies are medians over rounds ` +
      '(latency: of each slice’s p50 and p99, from autocannon, which records whole milliseconds); ratios are medians of the per-round ratios. ' +
      '*Server CPU*: CPU time of the app’s main thread per request.',
    `Versions: express ${v.express}, express-rate-limit ${v['express-rate-limit']}; koa ${v.koa}, ` +
      `koa-ratelimit ${v['koa-ratelimit']}; hono ${v.hono} on @hono/node-server ${v['@hono/node-server']}, ` +
      `hono-rate-limiter ${v['hono-rate-limiter']}; fastify ${v.fastify}, @fastify/rate-limit ${v['@fastify/rate-limit']}; ` +
      `autocannon ${v.autocannon}.`,
  ]
  const goals: GoalCheck[] = []
  const apps: RunningApp[] = []
  const stopAll = (): Promise<unknown> => Promise.allSettled(apps.splice(0).map((a) => a.stop()))
  // Ctrl-C or a crash: main stops them (they also exit on their own when this process ends).
  const release = onCleanup(stopAll)
  const bars: Bar[] = []
  try {
    for (const framework of FRAMEWORKS) {
      context.progress(`http-throughput ${framework}: starting 3 apps`)
      const started = await Promise.allSettled(APP_KINDS.map((kind) => startApp(framework, kind)))
      for (const s of started) if (s.status === 'fulfilled') apps.push(s.value)
      for (const s of started) if (s.status === 'rejected') throw s.reason
      const byKind = new Map(
        APP_KINDS.map((kind, i) => [kind, (started[i] as PromiseFulfilledResult<RunningApp>).value]),
      )
      const probes = new Map<AppKind, Awaited<ReturnType<typeof probe>>>()
      for (const [kind, app] of byKind) probes.set(kind, await probe(app))
      const slicers: Slicer[] = APP_KINDS.map((kind) => ({
        name: kind,
        slice: () => load(byKind.get(kind) as RunningApp, settings.sliceMs),
      }))
      let lastRound = Number.NaN
      const samples = await interleave(slicers, {
        ...settings,
        onSlice: (_name, round) => {
          if (round !== lastRound)
            context.progress(`http-throughput ${framework}: ${roundLabel(round, settings)}`)
          lastRound = round
        },
      })
      await stopAll()
      parts.push(`### ${framework}`)
      for (const line of report(framework, samples, probes, goals)) parts.push(line)
      for (const kind of APP_KINDS) {
        bars.push({
          label: appName(framework, kind),
          value: median((samples.get(kind) ?? []).map(rate)),
          group: kind === 'bare' ? 'floor' : kind,
        })
      }
    }
    const chart: Chart = {
      kind: 'bar',
      file: 'http-throughput.svg',
      title: 'HTTP: requests/s of a hello-world app, bare, with sluice, with the peer (median)',
      unit: 'requests/s',
      bars,
    }
    return {
      title: 'HTTP throughput (hello world, memory store)',
      markdown: parts.join('\n\n'),
      goals,
      charts: [chart],
    }
  } finally {
    await release()
  }
}

function report(
  framework: Framework,
  samples: Samples,
  probes: ReadonlyMap<AppKind, { status: number; body: string; headers: string[] }>,
  goals: GoalCheck[],
): string[] {
  const slices = (kind: AppKind): HttpSlice[] => (samples.get(kind) ?? []) as HttpSlice[]
  const rates = (kind: AppKind): number[] => slices(kind).map(rate)
  const sum = (kind: AppKind, of: (s: HttpSlice) => number): number =>
    slices(kind).reduce((total, s) => total + of(s), 0)
  const rows = APP_KINDS.map((kind) => {
    const s = spread(rates(kind))
    const list = slices(kind)
    const probed = probes.get(kind)
    return [
      appName(framework, kind),
      formatRate(s.median),
      formatRateRange(s.min, s.max),
      wholeMs(median(list.map((r) => r.p50Ms))),
      wholeMs(median(list.map((r) => r.p99Ms))),
      formatMicros(median(list.map((r) => ((r.serverCpuMs ?? Number.NaN) * 1000) / r.calls))),
      formatPercent(
        list.reduce((t, r) => t + (r.serverCpuMs ?? Number.NaN), 0) / list.reduce((t, r) => t + r.ms, 0),
      ),
      formatInteger(sum(kind, (r) => r.non2xx)),
      formatInteger(sum(kind, (r) => r.errors)),
      formatRatio(medianRatio(rates(kind), rates('bare'))),
      formatRatio(medianRatio(rates(kind), rates('peer'))),
      probed === undefined
        ? '–'
        : `${probed.status} ${JSON.stringify(probed.body)}${probed.headers.length > 0 ? `, ${probed.headers.join(', ')}` : ''}`,
    ]
  })
  const toBare = medianRatio(rates('sluice'), rates('bare'))
  const toPeer = medianRatio(rates('sluice'), rates('peer'))
  const bad = APP_KINDS.reduce((t, kind) => t + sum(kind, (r) => r.non2xx + r.errors), 0)
  goals.push(
    {
      goal: `${framework}: @sluice/${framework} requests/s ≥ ${GOAL_BARE_RATIO}× the bare app`,
      met: toBare >= GOAL_BARE_RATIO,
      detail: `${formatRatio(toBare)} bare`,
    },
    {
      goal: `${framework}: @sluice/${framework} requests/s ≥ ${GOAL_PEER_RATIO.toFixed(1)}× ${PEERS[framework]}`,
      met: toPeer >= GOAL_PEER_RATIO,
      detail: `${formatRatio(toPeer)} ${PEERS[framework]}`,
    },
    {
      goal: `${framework}: every response 2xx, no connection errors`,
      met: bad === 0,
      detail: `${formatInteger(bad)} non-2xx or errors`,
    },
  )
  return [
    table(
      [
        'app',
        'requests/s (median)',
        'spread (min–max)',
        'p50 latency',
        'p99 latency',
        'server CPU',
        'server busy',
        'non-2xx',
        'errors',
        '÷ bare',
        '÷ peer',
        'first response',
      ],
      rows,
      [
        'left',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'left',
      ],
    ),
  ]
}

/** autocannon records latencies in whole milliseconds. */
function wholeMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '–'
}

function roundLabel(round: number, settings: { rounds: number; warmup: number }): string {
  return round < 0 ? `warm-up ${-round}/${settings.warmup}` : `round ${round + 1}/${settings.rounds}`
}

export const httpThroughput: Case = {
  name: 'http-throughput',
  family: 'http',
  summary:
    'requests/s of hello-world Express, Koa, Hono and Fastify apps: bare, with sluice, with the peer (autocannon)',
  run,
}
