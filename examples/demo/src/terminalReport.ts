import type { Contender, NominalRate } from './algorithms.ts'
import { departures, idealAdmissions, largest, type RunSummary, summarize } from './metrics.ts'
import { burstSizes, HOLDS, observations, stateSizeNotes } from './observations.ts'
import type { PatternRun, RequestOutcome } from './simulation.ts'
import type { StateSizeReport } from './stateSize.ts'
import { arrivalCells, type Cell, countRow, GLYPHS, ruler, timelineLength } from './timeline.ts'

/** ANSI styling, or none: colour only on a terminal and only when NO_COLOR is unset. */
export interface Style {
  readonly cell: (cell: Cell, text: string) => string
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
}

const ansi = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`
const CELL_COLOURS: Record<Cell, (text: string) => string> = {
  idle: ansi('2'),
  admitted: ansi('32'),
  mixed: ansi('33'),
  denied: ansi('31'),
}
export const COLOUR: Style = {
  cell: (cell, text) => CELL_COLOURS[cell](text),
  bold: ansi('1'),
  dim: ansi('2'),
}
export const PLAIN: Style = { cell: (_cell, text) => text, bold: (text) => text, dim: (text) => text }

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY === true && !env.NO_COLOR ? COLOUR : PLAIN
}

const LABEL_WIDTH = 15

export function renderIntro(contenders: readonly Contender[], rate: NominalRate, style: Style): string {
  const lines = [
    style.bold(
      `sluice demo: six algorithms, one nominal rate of ${rate.limit} requests per ${rate.windowMs} ms`,
    ),
    style.dim('Every pattern runs through each algorithm on a fresh memoryStore with a simulated clock.'),
    ...contenders.map((c) => `  ${c.factoryCall}`),
    '',
    `Timelines: one character per time slice. ${legend(style)}`,
    `  requests: how many arrived in the slice (+ = more than 9). ideal: a strict "at most ${rate.limit} in any ${rate.windowMs} ms".`,
    '  starts: when the leaky bucket lets its admitted requests run (arrival + delayMs), per slice.',
  ]
  return lines.join('\n')
}

function legend(style: Style): string {
  const entry = (cell: Cell, text: string) => `${style.cell(cell, GLYPHS[cell])} ${text}`
  return [
    entry('admitted', 'all admitted'),
    entry('mixed', 'some denied'),
    entry('denied', 'all denied'),
    entry('idle', 'no requests'),
  ].join('  ')
}

export function renderPattern(
  run: PatternRun,
  index: number,
  total: number,
  rate: NominalRate,
  style: Style,
): string {
  const { pattern } = run
  const length = timelineLength(
    pattern,
    run.runs.map((r) => r.outcomes),
  )
  const row = (label: string, timeline: string, stats = '') =>
    `  ${label.padEnd(LABEL_WIDTH)}${timeline}${stats === '' ? '' : `  ${stats}`}`
  const cells = (outcomes: readonly RequestOutcome[]) =>
    styledRuns(arrivalCells(outcomes, pattern.bucketMs, length), style)

  const ideal = idealAdmissions(pattern.arrivalsMs, rate)
  const idealOutcomes = pattern.arrivalsMs.map((arrivalMs, i) => ({
    arrivalMs,
    allowed: ideal[i] === true,
    delayMs: 0,
    retryAfterMs: 0,
    remaining: 0,
  }))
  const idealCount = ideal.filter(Boolean).length
  const seconds = pattern.durationMs / 1000
  const summaries = run.runs.map((r) => summarize(r, pattern, rate))

  const lines = [
    '',
    `${style.bold(`━━ ${index}/${total} ${pattern.title}`)} ${style.dim(`(${pattern.arrivalsMs.length} requests; one character = ${pattern.bucketMs} ms)`)}`,
    `   ${pattern.description}`,
    row(
      '',
      style.dim(ruler(pattern.bucketMs, length)),
      style.dim('admitted of offered, rate, busiest window'),
    ),
    row('requests', style.dim(countRow(pattern.arrivalsMs, pattern.bucketMs, length))),
    row(
      'ideal',
      cells(idealOutcomes),
      `${idealCount} of ${pattern.arrivalsMs.length} · ${(idealCount / seconds).toFixed(1)}/s`,
    ),
  ]
  run.runs.forEach((r, i) => {
    const summary = summaries[i] as RunSummary
    lines.push(
      row(r.contender.label, cells(r.outcomes), statsText(summary, seconds, rate, pattern.burstSpanMs)),
    )
    if (summary.maxDelayMs > 0) {
      lines.push(row('  starts', style.dim(countRow(departures(r.outcomes), pattern.bucketMs, length))))
    }
  })
  for (const note of observations(run, summaries, rate)) lines.push(`  → ${note}`)
  return lines.join('\n')
}

/** Glyphs with one colour escape per run of equal cells rather than per character. */
function styledRuns(cells: readonly Cell[], style: Style): string {
  let out = ''
  for (let i = 0; i < cells.length; ) {
    const cell = cells[i] as Cell
    let j = i
    while (cells[j] === cell) j++
    out += style.cell(cell, GLYPHS[cell].repeat(j - i))
    i = j
  }
  return out
}

function statsText(
  s: RunSummary,
  seconds: number,
  rate: NominalRate,
  burstSpanMs: number | undefined,
): string {
  const delta = s.admitted - s.ideal
  const versusIdeal = delta === 0 ? '= ideal' : `${delta > 0 ? '+' : ''}${delta} vs ideal`
  const busiest =
    burstSpanMs !== undefined && s.busiestBurst !== undefined
      ? `${s.busiestBurst.count} in ${burstSpanMs} ms`
      : `${s.busiestWindow.count} in ${rate.windowMs} ms`
  return `${s.admitted} of ${s.offered} · ${(s.admitted / seconds).toFixed(1)}/s · ${versusIdeal} · max ${busiest}`
}

export function renderStateSizes(report: StateSizeReport, style: Style): string {
  const widest = largest(report.sizes.map((s) => s.atLimit))
  const header = `${''.padEnd(LABEL_WIDTH)}${'1 request'.padStart(11)}${'full burst'.padStart(13)}`
  const lines = [
    '',
    style.bold('━━ Memory per key in a memoryStore'),
    style.dim(`   ${report.method}.`),
    `  ${header}`,
  ]
  for (const s of report.sizes) {
    const bar = '█'.repeat(Math.max(1, Math.round((s.atLimit / widest) * 30)))
    lines.push(
      `  ${s.label.padEnd(LABEL_WIDTH)}${`${Math.round(s.oneRequest)} B`.padStart(11)}${`${Math.round(s.atLimit)} B`.padStart(13)}  ${style.dim(bar)}`,
    )
  }
  lines.push(style.dim(`   Full burst: one request of cost ${burstSizes(report)}. ${HOLDS}`))
  for (const note of stateSizeNotes(report)) lines.push(`  → ${note}`)
  return lines.join('\n')
}
