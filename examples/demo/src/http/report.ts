import type { Style } from '../terminalReport.ts'
import type { TrafficPattern } from '../trafficPatterns.ts'
import type { HttpRun, HttpRunStart } from './run.ts'
import type { AlgorithmHttpSummary, HttpSummary, ShapingSummary } from './summary.ts'

const LABEL_WIDTH = 15
const ms = (value: number) => `${Math.round(value)} ms`

/** Wall-clock time of day, e.g. `14:03:27.000 UTC`. */
export const clockTime = (epochMs: number) => `${new Date(epochMs).toISOString().slice(11, 23)} UTC`

/** What is about to happen, printed once the server listens. */
export function renderHttpIntro(
  start: HttpRunStart,
  patterns: readonly TrafficPattern[],
  style: Style,
): string {
  const steady = patterns.find((p) => p.id === 'steady-under')
  return [
    '',
    style.bold(`━━ Over HTTP: the same ${patterns.length} patterns as real requests through @sluice/express`),
    `   An Express app on ${start.url}, one route per algorithm, GET /<algorithm>/<pattern>, each with its own`,
    '   limiter on its own memoryStore() and rateLimit({ limiter, key: (req) => req.params.pattern });',
    `   leakyBucket also maxDelayMs: ${start.maxDelayMs}, the wait of its full queue. A load driver in this process sends`,
    `   each pattern to all six routes with fetch, one pattern after another (steady and ramp ${(steady?.durationMs ?? 0) / 1000} s long).`,
    style.dim(
      `   Each pattern starts on a whole second of Date.now() (the first at ${clockTime(start.startEpochMs)}): fixed and sliding`,
    ),
    style.dim(
      "   windows turn there, so a pattern's 0 s and 1 s fall on real window boundaries, as in the simulation.",
    ),
  ].join('\n')
}

/** Per algorithm: 200s per pattern, sent / 200 / 429, the simulated admissions; headers; shaping. */
export function renderHttpSummary(summary: HttpSummary, run: HttpRun, style: Style): string {
  const patternIds = run.patterns.map((p) => p.id)
  const widths = patternIds.map((id) => Math.max(id.length, 7))
  const header =
    ''.padEnd(LABEL_WIDTH) +
    patternIds.map((id, i) => id.padStart((widths[i] as number) + 2)).join('') +
    ' │  sent   200   429 │ simulated'
  const lines = [
    '',
    style.dim(
      '  200s of sent, per pattern and in total, beside what the simulation admits of the same patterns',
    ),
    style.dim(`  ${header}`),
  ]
  for (const a of summary.algorithms) lines.push(`  ${countsRow(a, widths)}`)

  lines.push('', style.dim("  Headers of one response each (the algorithm's first 429):"))
  for (const a of summary.algorithms) for (const line of headerLines(a)) lines.push(line)

  for (const s of summary.shaping) lines.push(`  → ${shapingNote(s)}`)
  const comparison = simulationComparison(summary.algorithms, patternIds)
  if (comparison !== undefined) {
    lines.push(
      `  → ${comparison.note}${comparison.differences.length > 0 ? '. 200s over HTTP vs simulated:' : ''}`,
    )
    for (const d of comparison.differences) lines.push(`      ${d}`)
  }
  for (const error of summary.errors) lines.push(`  ✗ request failed: ${error}`)
  lines.push(
    style.dim(
      `   ${summary.requests} requests in ${(run.durationMs / 1000).toFixed(1)} s, server start to close; each sent a median ` +
        `${summary.lateMs.median.toFixed(1)} ms after its planned time, at most ${ms(summary.lateMs.max)}.`,
    ),
  )
  return lines.join('\n')
}

function countsRow(a: AlgorithmHttpSummary, widths: readonly number[]): string {
  const cells = a.perPattern.map((t, i) => `${t.ok}/${t.sent}`.padStart((widths[i] as number) + 2)).join('')
  const { sent, ok, limited } = a.total
  const simulated = a.simulated === undefined ? '' : String(a.simulated.reduce((x, y) => x + y, 0))
  return `${a.label.padEnd(LABEL_WIDTH)}${cells} │ ${String(sent).padStart(5)} ${String(ok).padStart(5)} ${String(limited).padStart(5)} │ ${simulated.padStart(9)}`
}

function headerLines(a: AlgorithmHttpSummary): string[] {
  const s = a.sample
  if (s === undefined) return [`  ${a.label.padEnd(LABEL_WIDTH)}no response`]
  const where = `${s.status} · ${s.patternId} at ${(s.sentMs / 1000).toFixed(2)} s`
  const retry = s.headers.retryAfter === null ? '' : `   Retry-After: ${s.headers.retryAfter}`
  return [
    `  ${a.label.padEnd(LABEL_WIDTH)}RateLimit-Policy: ${s.headers.policy ?? '(none)'}`,
    `  ${''.padEnd(LABEL_WIDTH)}RateLimit: ${s.headers.rateLimit ?? '(none)'}${retry}   (${where})`,
  ]
}

export function shapingNote(s: ShapingSummary): string {
  return (
    `${s.label} shapes over HTTP: the middleware held ${s.held} of ${s.admitted} admitted requests, by delayMs up to ` +
    `${ms(s.maxDelayMs)}; observed extra latency median ${ms(s.medianExtraMs)}, up to ${ms(s.maxExtraMs)} ` +
    `(unheld requests: ${s.baselineMs.toFixed(1)} ms median). A held response came back a median ${ms(s.medianOverrunMs)} ` +
    `after its delayMs, at most ${ms(s.maxOverrunMs)}`
  )
}

/** How the real run compares with the simulated one: a finding, and the cells that differ per algorithm. */
export function simulationComparison(
  algorithms: readonly AlgorithmHttpSummary[],
  patternIds: readonly string[],
): { readonly note: string; readonly differences: readonly string[] } | undefined {
  const compared = algorithms.filter((a) => a.simulated !== undefined)
  if (compared.length === 0) return undefined
  const differences = compared.flatMap((a) => {
    const cells = a.perPattern.flatMap((t, i) => {
      const simulated = a.simulated?.[i] as number
      return t.ok === simulated ? [] : [`${patternIds[i]} ${t.ok} vs ${simulated}`]
    })
    return cells.length === 0 ? [] : [`${a.label.padEnd(LABEL_WIDTH)}${cells.join(', ')}`]
  })
  const same = compared.length - differences.length
  const note =
    differences.length === 0
      ? 'every algorithm answered 200 exactly as often as the simulation admits, pattern by pattern'
      : `${same} of ${compared.length} algorithms answered 200 exactly as often as the simulation admits, pattern by pattern. ` +
        'Real requests reach the limiter a few ms late and unevenly: one near a window edge can land on its other side, ' +
        'and buckets refill by the real time between requests'
  return { note, differences }
}
