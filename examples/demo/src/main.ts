import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NOMINAL_RATE, sameRateContenders } from './algorithms.ts'
import { renderConcurrency, simulateConcurrency } from './concurrency.ts'
import { parseExplain, renderExplanations } from './explain.ts'
import { renderHtmlReport } from './htmlReport.ts'
import { httpDemo } from './http/demo.ts'
import { renderPenalties, simulatePenalties } from './penalties.ts'
import { simulateAll } from './simulation.ts'
import { measureStateSize } from './stateSize.ts'
import { renderIntro, renderPattern, renderStateSizes, styleFor } from './terminalReport.ts'
import { trafficPatterns } from './trafficPatterns.ts'

const USAGE = 'usage: pnpm demo [--simulated-only] [--explain[=<algorithm>]]'
const args = process.argv.slice(2)
const explain = parseExplain(args)
if (args.some((a) => a !== '--simulated-only' && !a.startsWith('--explain')) || explain === null) {
  console.error(
    `${USAGE}\n  --simulated-only  skip the run over real HTTP\n  --explain         print why each algorithm decided as it did, request by request\n  --explain=gcra    the same for one algorithm (${sameRateContenders(
      NOMINAL_RATE,
    )
      .map((c) => c.label)
      .join(', ')})`,
  )
  process.exit(args.includes('--help') || args.includes('-h') ? 0 : 2)
}
const simulatedOnly = args.includes('--simulated-only')

const started = performance.now()
const style = styleFor(process.stdout, process.env)
const contenders = sameRateContenders(NOMINAL_RATE)
const patterns = trafficPatterns(NOMINAL_RATE)

console.log(renderIntro(contenders, NOMINAL_RATE, style))
const results = await simulateAll(patterns, contenders)
results.forEach((run, i) => {
  console.log(renderPattern(run, i + 1, results.length, NOMINAL_RATE, style))
  if (explain !== undefined) console.log(renderExplanations(run, explain, style))
})

console.log(renderPenalties(await simulatePenalties(NOMINAL_RATE), style))
console.log(renderConcurrency(await simulateConcurrency(), style))

const sizes = await measureStateSize(contenders)
console.log(renderStateSizes(sizes, style))

// Next to src/, so the path is the same whichever directory the demo is started from.
const reportPath = fileURLToPath(new URL('../out/report.html', import.meta.url))
const writeReport = (extraSections?: string) => {
  mkdirSync(dirname(reportPath), { recursive: true })
  writeFileSync(reportPath, renderHtmlReport(results, sizes, contenders, NOMINAL_RATE, extraSections))
}
// Written now, so the simulated report exists even if the run over HTTP fails.
writeReport()

if (!simulatedOnly) {
  const http = await httpDemo(contenders, NOMINAL_RATE, style)
  if (http.section !== undefined) writeReport(http.section)
  if (!http.ok) process.exitCode = 1
}

console.log(`\nHTML report (charts): ${reportPath}`)
console.log(style.dim(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`))
