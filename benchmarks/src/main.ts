/**
 * Runs the benchmark cases and writes `results/<family>.md`.
 *
 *   node --expose-gc --conditions=@sluice/source --import tsx src/main.ts [--quick] [case or family …]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import type { Case, RunContext } from './case.ts'
import { hasGc } from './harness.ts'
import { httpThroughput } from './http/throughput.ts'
import { memoryHeap } from './memory/heap.ts'
import { memoryThroughput } from './memory/throughput.ts'
import { redisThroughput } from './redis/throughput.ts'
import { goalsTable, type Section } from './report.ts'

const CASES: readonly Case[] = [memoryThroughput, memoryHeap, redisThroughput, httpThroughput]

const USAGE = `usage: pnpm bench [-- [--quick] [case or family …]]

  --quick   short rounds (a smoke run; numbers not to quote)

cases:
${CASES.map((c) => `  ${c.name.padEnd(20)} ${c.summary}`).join('\n')}
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
      if (matches.length === 0) return `unknown case ${JSON.stringify(arg)}`
      for (const c of matches) if (!picked.includes(c)) picked.push(c)
    }
  }
  return { quick, cases: picked.length > 0 ? picked : CASES }
}

function header(family: string, quick: boolean, startLoad: readonly number[]): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' ')
  return [
    `# sluice benchmarks: ${family}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}`,
    `- machine: ${availableParallelism()} cores, ${cpu}`,
    `- load average (1/5/15 min) at start: ${load(startLoad)}; at end: ${load(loadavg())}`,
    `- mode: ${quick ? '--quick (short rounds: a smoke run, not numbers to quote)' : 'default'}`,
    '',
    'The machine is shared and noisy: compare ratios within one run; absolute numbers vary from run to run.',
  ].join('\n')
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
    progress: (line) => process.stderr.write(`  … ${line}\n`),
  }
  const families = [...new Set(invocation.cases.map((c) => c.family))]
  for (const family of families) {
    const startLoad = loadavg()
    const started = performance.now()
    const sections: Section[] = []
    for (const c of invocation.cases.filter((x) => x.family === family)) {
      sections.push(await c.run(context))
    }
    const goals = sections.flatMap((s) => s.goals)
    const document = [
      header(family, invocation.quick, startLoad),
      ...sections.map((s) => `## ${s.title}\n\n${s.markdown}`),
      ...(goals.length > 0 ? [`## Goals\n\n${goalsTable(goals)}`] : []),
      `_Ran in ${((performance.now() - started) / 1000).toFixed(0)} s._`,
    ].join('\n\n')
    const dir = new URL('../results/', import.meta.url)
    mkdirSync(dir, { recursive: true })
    const file = new URL(`${family}.md`, dir)
    writeFileSync(file, `${document}\n`)
    console.log(document)
    console.error(`\nwritten to benchmarks/results/${family}.md`)
  }
  return 0
}

try {
  process.exitCode = await main()
} catch (error) {
  console.error(
    `\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  )
  process.exitCode = 1
}
