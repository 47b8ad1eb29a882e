import { largest } from '../metrics.ts'
import type { Style } from '../terminalReport.ts'
import type { PatternProgress } from './loadDriver.ts'

/** Where progress goes: `process.stdout`, or a fake in tests. */
export interface ProgressOutput {
  readonly isTTY?: boolean
  /** Terminal width: lines redrawn in place must not wrap, or moving up over them goes wrong. */
  readonly columns?: number
  write(text: string): unknown
}

export interface ProgressView {
  update(progress: readonly PatternProgress[]): void
  /** Shows the final state; call it once every request is answered. */
  finish(progress: readonly PatternProgress[]): void
}

const REDRAW_MS = 100
const BAR_WIDTH = 20

/**
 * Live progress, one line per pattern. On a terminal the lines are redrawn in place (at most every
 * 100 ms, without a timer: responses keep arriving until the end); otherwise each pattern gets
 * one plain line when its last response is in.
 */
export function progressView(out: ProgressOutput, style: Style): ProgressView {
  return out.isTTY === true ? inPlace(out, style) : plainLines(out, style)
}

function inPlace(out: ProgressOutput, style: Style): ProgressView {
  let drawn = 0
  let lastDraw = Number.NEGATIVE_INFINITY
  const draw = (progress: readonly PatternProgress[]) => {
    const width = titleWidth(progress)
    // Up to the first line, then rewrite each one, clearing what was there.
    let text = drawn > 0 ? `\x1b[${drawn}A` : ''
    progress.forEach((p, i) => {
      text += `\x1b[2K${fit(progressLine(p, i, progress.length, width, style), out.columns)}\n`
    })
    out.write(text)
    drawn = progress.length
    lastDraw = performance.now()
  }
  return {
    update: (progress) => {
      if (performance.now() - lastDraw >= REDRAW_MS) draw(progress)
    },
    finish: draw,
  }
}

function plainLines(out: ProgressOutput, style: Style): ProgressView {
  const printed = new Set<string>()
  const print = (progress: readonly PatternProgress[], all: boolean) => {
    const width = titleWidth(progress)
    progress.forEach((p, i) => {
      if (printed.has(p.pattern.id) || (!all && p.doneAtMs === undefined)) return
      printed.add(p.pattern.id)
      out.write(`${progressLine(p, i, progress.length, width, style)}\n`)
    })
  }
  return { update: (progress) => print(progress, false), finish: (progress) => print(progress, true) }
}

const ESC = '\x1b'
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g')

/** The line as is when it fits the terminal, else cut (and uncoloured) to fit. */
function fit(line: string, columns: number | undefined): string {
  const plain = line.replace(ANSI, '')
  // A pseudo-terminal may report no width (0): then nothing is cut.
  if (columns === undefined || columns <= 0 || plain.length < columns) return line
  return `${plain.slice(0, Math.max(0, columns - 2))}…`
}

const titleWidth = (progress: readonly PatternProgress[]) =>
  largest(progress.map((p) => p.pattern.title.length))

/** e.g. `  ✓ 3/5 Bursts  ████████████████████  240/240 sent · 120 × 200 · 120 × 429 · done at 3.4 s` */
function progressLine(p: PatternProgress, index: number, total: number, width: number, style: Style): string {
  const answered = p.ok + p.limited + p.failed
  const done = p.doneAtMs !== undefined
  const cells = (n: number) => Math.round((n / p.total) * BAR_WIDTH)
  const bar =
    '█'.repeat(cells(answered)) +
    '▒'.repeat(cells(p.sent) - cells(answered)) +
    '·'.repeat(BAR_WIDTH - cells(p.sent))
  const counts = [
    `${String(p.sent).padStart(String(p.total).length)}/${p.total} sent`,
    `${String(p.ok).padStart(3)} × 200`,
    `${String(p.limited).padStart(3)} × 429`,
  ]
  if (p.sent === 0)
    return `    ${index + 1}/${total} ${p.pattern.title.padEnd(width)}  ${style.dim(bar)}  starts at ${(p.startMs / 1000).toFixed(1)} s`
  if (p.failed > 0) counts.push(`${p.failed} failed`)
  if (p.sent > answered) counts.push(`${p.sent - answered} in flight`)
  if (p.doneAtMs !== undefined) counts.push(`done at ${(p.doneAtMs / 1000).toFixed(1)} s`)
  const mark = done ? style.bold('✓') : ' '
  return `  ${mark} ${index + 1}/${total} ${p.pattern.title.padEnd(width)}  ${style.dim(bar)}  ${counts.join(' · ')}`
}
