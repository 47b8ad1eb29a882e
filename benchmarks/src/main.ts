/**
 * Runs the benchmark cases and writes their reports.
 *
 *   node --expose-gc --conditions=@sluice/source --import tsx src/main.ts [--quick] [case or family …]
 *
 * Every run writes `results/<family>.md` (git-ignored). A run of every case also writes the whole
 * report with its SVG charts: a full run to `RESULTS.md` and `charts/` (committed) and the summary
 * block of the root README; a `--quick` run to `results/RESULTS.md` and `results/charts/` only, so
 * a smoke run never overwrites numbers meant to be quoted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { accuracyStudy } from './accuracy/study.ts'
import type { Case, RunContext } from './case.ts'
import { cleanupAll } from './cleanup.ts'
import { hasGc } from './harness.ts'
import { httpThroughput } from './http/throughput.ts'
import { memoryHeap } from './memory/heap.ts'
import { memoryScaling } from './memory/scaling.ts'
import { memoryThroughput } from './memory/throughput.ts'
import { redisConcurrency } from './redis/concurrency.ts'
import { redisProcesses } from './redis/processes.ts'
import { redisClusterThroughput, redisThroughput } from './redis/throughput.ts'
import { regionsReal } from './regions/real.ts'
import { regionsStudy } from './regions/study.ts'
import type { Section } from './report.ts'
import { type FamilyReport, familyDocument, readmeBlock, resultsDocument } from './results.ts'
import { renderChart } from './svg.ts'
import { upstashThroughput } from './upstash/throughput.ts'

const CASES: readonly Case[] = [
  memoryThroughput,
  memoryHeap,
  memoryScaling,
  redisThroughput,
  redisClusterThroughput,
  redisConcurrency,
  redisProcesses,
  upstashThroughput,
  httpThroughput,
  accuracyStudy,
  regionsStudy,
  regionsReal,
]

const USAGE = `usage: pnpm bench [--quick] [case or family …]     (or: pnpm bench -- [--quick] …)

  --quick   every case briefly (a smoke run: numbers not to quote, nothing asserted about speed)

cases:
${CASES.map((c) => `  ${c.name.padEnd(26)} ${c.summary}`).join('\n')}
families: ${[...new Set(CASES.map((c) => c.family))].join(', ')} (all cases of the family)`

interface Invocation {
  readonly quick: boolean
  readonly cases: readonly Case[]
}

function parse(argv: readonly string[]): Invocation | string {
  let quick = false
  const picked: Case[] = []
  for (const arg of argv) {
    if (arg === '--') continue
    if (arg === '--quick') {
      quick = true
    } else if (arg === '--help' || arg === '-h') {
      return 'help'
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg}`
    } else {
      const matches = CASES.filter((c) => c.name === arg || c.family === arg)
      if (matches.length === 0) return `unknown case ${JSON.stringify(arg)}: no case or family of that name`
      for (const c of matches) if (!picked.includes(c)) picked.push(c)
    }
  }
  return { quick, cases: picked.length > 0 ? CASES.filter((c) => picked.includes(c)) : CASES }
}

const started = performance.now()

function elapsed(): string {
  const s = Math.floor((performance.now() - started) / 1000)
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

const benchmarksDir = new URL('../', import.meta.url)

function write(url: URL, text: string): void {
  mkdirSync(new URL('./', url), { recursive: true })
  writeFileSync(url, text)
}

async function main(): Promise<number> {
  const invocation = parse(process.argv.slice(2))
  if (invocation === 'help') {
    console.log(USAGE)
    return 0
  }
  if (typeof invocation === 'string') {
    console.error(`${invocation}\n\n${USAGE}`)
    return 1
  }
  if (!hasGc()) console.error('warning: gc() is not exposed; run node with --expose-gc (pnpm bench does)')
  const context: RunContext = {
    quick: invocation.quick,
    progress: (line) => say(`[${elapsed()}] ${line}\n`),
  }
  const everything = invocation.cases.length === CASES.length
  const families = [...new Set(invocation.cases.map((c) => c.family))]
  const reports: FamilyReport[] = []
  for (const family of families) {
    const startLoad = loadavg()
    const familyStarted = performance.now()
    const sections: Section[] = []
    for (const c of invocation.cases.filter((x) => x.family === family)) {
      context.progress(`${c.name}: start`)
      const caseStarted = performance.now()
      sections.push(await c.run(context))
      context.progress(`${c.name}: done in ${((performance.now() - caseStarted) / 1000).toFixed(0)} s`)
    }
    const report: FamilyReport = {
      family,
      sections,
      startLoad,
      endLoad: loadavg(),
      seconds: (performance.now() - familyStarted) / 1000,
    }
    reports.push(report)
    const document = familyDocument(report, invocation.quick)
    write(new URL(`results/${family}.md`, benchmarksDir), `${document}\n`)
    if (!everything) console.log(document)
    context.progress(`written to benchmarks/results/${family}.md`)
  }
  if (everything) {
    // A quick run writes its whole report under results/ (git-ignored): a smoke run must never
    // overwrite the committed numbers.
    const base = invocation.quick ? new URL('results/', benchmarksDir) : benchmarksDir
    const charts = reports.flatMap((r) => r.sections.flatMap((s) => s.charts ?? []))
    for (const chart of charts) write(new URL(`charts/${chart.file}`, base), renderChart(chart))
    // The measured causes of missed goals are written by people (MISSED.md) and shown with the figures.
    const missed = readFileSync(new URL('MISSED.md', benchmarksDir), 'utf8').trim()
    const document = resultsDocument(reports, invocation.quick, missed)
    write(new URL('RESULTS.md', base), `${document}\n`)
    console.log(document)
    const where = invocation.quick ? 'benchmarks/results/' : 'benchmarks/'
    context.progress(`written ${where}RESULTS.md and ${charts.length} charts in ${where}charts/`)
    if (!invocation.quick) updateReadme(reports, context)
  }
  context.progress('done')
  return 0
}

/** Rewrites the root README's summary between its `<!-- bench:start -->` and `<!-- bench:end -->` markers. */
function updateReadme(reports: readonly FamilyReport[], context: RunContext): void {
  const url = new URL('../README.md', benchmarksDir)
  const text = readFileSync(url, 'utf8')
  const start = '<!-- bench:start -->'
  const end = '<!-- bench:end -->'
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  if (a === -1 || b < a) {
    context.progress(`README.md has no ${start} … ${end} block: summary not written there`)
    return
  }
  writeFileSync(url, `${text.slice(0, a + start.length)}\n${readmeBlock(reports)}\n${text.slice(b)}`)
  context.progress('README.md benchmark summary rewritten')
}

/**
 * Ctrl-C, SIGTERM, a crash: stop what is still running (servers, apps), then go. Another signal
 * while stopping (2 s on) exits at once (test-services' exit hook still kills its servers and removes their
 * dirs). Output may be a closed pipe by then (the terminal or parent gone): writing must not throw.
 */
let exitingSince: number | undefined
function shutdown(reason: string, code: number): void {
  if (exitingSince !== undefined) {
    // Ctrl-C under pnpm arrives twice (the terminal's and pnpm's): only a later one forces the exit.
    if (performance.now() - exitingSince > 2000) process.exit(code)
    return
  }
  exitingSince = performance.now()
  const stopping = cleanupAll()
  say(`\n${reason}: stopping servers and removing their files…\n`)
  void stopping.finally(() => process.exit(code))
}

function say(text: string): void {
  try {
    process.stderr.write(text)
  } catch {
    // stderr is gone: nothing to tell
  }
}

for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
process.on('SIGINT', () => shutdown('interrupted (SIGINT)', 130))
process.on('SIGTERM', () => shutdown('terminated (SIGTERM)', 143))
process.on('SIGHUP', () => shutdown('hung up (SIGHUP)', 129))
process.on('uncaughtException', (error) => {
  say(`\nbenchmark crashed: ${error.stack ?? error.message}\n`)
  shutdown('crash', 1)
})
process.on('unhandledRejection', (error) => {
  say(`\nbenchmark crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  shutdown('crash', 1)
})

try {
  process.exitCode = await main()
} catch (error) {
  // The message says what failed (a backend that cannot start names the command to fix it); the
  // stack is for debugging the harness itself.
  console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}`)
  if (error instanceof Error && process.env.BENCH_DEBUG !== undefined) console.error(error.stack)
  else console.error('(BENCH_DEBUG=1 pnpm bench … prints the stack)')
  process.exitCode = 1
} finally {
  await cleanupAll()
  // Whatever handle a library left open must not keep a finished run waiting.
  setTimeout(() => process.exit(), 2000).unref()
}
