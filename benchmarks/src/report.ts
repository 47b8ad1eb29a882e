/** Markdown rendering: tables padded so they also read well in a terminal. */

import { largest } from './harness.ts'
import type { Chart } from './svg.ts'

export type Align = 'left' | 'right'

export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = headers.map((h, c) =>
    largest(
      rows.map((r) => (r[c] ?? '').length),
      h.length,
    ),
  )
  const cell = (text: string, c: number): string =>
    align?.[c] === 'right' ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number)
  const line = (cells: readonly string[]): string =>
    `| ${headers.map((_, c) => cell(cells[c] ?? '', c)).join(' | ')} |`
  const rule = `|${widths.map((w, c) => (align?.[c] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  return [line(headers), rule, ...rows.map(line)].join('\n')
}

/** Decisions per second: `2.41 M/s`, `812 k/s`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–'
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(0)} k/s`
  return `${perSecond.toFixed(0)} /s`
}

/** A spread of rates with one unit: `2.1–2.6 M/s`. */
export function formatRateRange(min: number, max: number): string {
  if (max >= 1e6) return `${(min / 1e6).toFixed(2)}–${(max / 1e6).toFixed(2)} M/s`
  return `${(min / 1e3).toFixed(0)}–${(max / 1e3).toFixed(0)} k/s`
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–'
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–'
  const p = fraction * 100
  return `${p > 0 && p < 1 ? p.toFixed(2) : p.toFixed(1)}%`
}

/** A latency: `0.842 ms`, `1.37 ms`, `12.4 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  if (ms >= 1) return `${ms.toFixed(2)} ms`
  return `${ms.toFixed(3)} ms`
}

/** A cost per call in microseconds: `4.2 µs`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '–'
  return `${us.toFixed(1)} µs`
}

/** A count per decision: `1.00`. */
export function formatPerCall(n: number): string {
  if (!Number.isFinite(n)) return '–'
  return n.toFixed(2)
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–'
  return bytes.toFixed(0)
}

export function formatInteger(n: number): string {
  return n.toLocaleString('en-US')
}

/** A finished case: its markdown, the goals it checked, its charts and facts for the header. */
export interface Section {
  readonly title: string
  readonly markdown: string
  readonly goals: readonly GoalCheck[]
  /** Drawn as SVG next to the results and linked under the section. */
  readonly charts?: readonly Chart[]
  /** Short facts for the machine header, e.g. `Redis 7.0.15` (deduplicated across sections). */
  readonly facts?: readonly string[]
  /** Findings worth a line in the README summary (the accuracy study's figures). */
  readonly highlights?: readonly string[]
}

export interface GoalCheck {
  readonly goal: string
  readonly met: boolean
  readonly detail: string
}
