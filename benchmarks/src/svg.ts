/**
 * Hand-written SVG charts for RESULTS.md: horizontal bars (one value per contender) and lines
 * (a value against a size, a concurrency or a process count). Plain SVG 1.1 with inline styles,
 * readable on GitHub's light and dark themes (a white card behind the drawing).
 */

import { largest, smallest } from './harness.ts'

type BarGroup = 'sluice' | 'peer' | 'floor' | 'other'

export interface Bar {
  readonly label: string
  readonly value: number
  readonly group: BarGroup
}

interface BarChart {
  readonly kind: 'bar'
  /** File name next to RESULTS.md, e.g. `memory-throughput.svg`. */
  readonly file: string
  readonly title: string
  readonly unit: string
  readonly bars: readonly Bar[]
}

interface Series {
  readonly name: string
  readonly points: readonly (readonly [x: number, y: number])[]
  readonly group?: BarGroup
}

interface LineChart {
  readonly kind: 'line'
  readonly file: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  /** Log scale on x (sizes and concurrencies that grow by factors). */
  readonly logX: boolean
  readonly logY?: boolean
  readonly series: readonly Series[]
}

export type Chart = BarChart | LineChart

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"'
const GROUP_COLOURS: Record<BarGroup, string> = {
  sluice: '#2563eb',
  peer: '#ea580c',
  floor: '#6b7280',
  other: '#059669',
}
/** Line colours per group, in order: sluice in blues, peers in oranges, the floor in grey. */
const PALETTES: Record<BarGroup, readonly string[]> = {
  sluice: ['#2563eb', '#1e3a8a', '#60a5fa', '#0891b2'],
  peer: ['#ea580c', '#9a3412', '#f59e0b', '#be123c'],
  floor: ['#6b7280', '#374151'],
  other: ['#059669', '#9333ea', '#0f766e'],
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A compact number for axes and labels: 1.2M, 830k, 12, 0.25. */
function compact(n: number): string {
  if (!Number.isFinite(n)) return '–'
  const a = Math.abs(n)
  if (a >= 1e6) return `${trim(n / 1e6)}M`
  if (a >= 1e3) return `${trim(n / 1e3)}k`
  return trim(n)
}

function trim(n: number): string {
  const a = Math.abs(n)
  return a >= 100
    ? n.toFixed(0)
    : a >= 10
      ? n.toFixed(1).replace(/\.0$/, '')
      : n.toFixed(2).replace(/\.?0+$/, '')
}

/** Round axis ticks covering [0, max]. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const out: number[] = []
  for (let t = 0; t <= max + step * 1e-9; t += step) out.push(t)
  if ((out[out.length - 1] as number) < max) out.push(out.length * step)
  return out
}

function frame(width: number, height: number, title: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff" rx="6"/>`,
    `<text x="16" y="24" font-size="14" font-weight="600" fill="#111827">${escapeXml(title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n')
}

function barChart(chart: BarChart): string {
  const labelWidth = Math.min(
    320,
    12 +
      6.4 *
        largest(
          chart.bars.map((b) => b.label.length),
          10,
        ),
  )
  const plotWidth = 420
  const rowHeight = 22
  const top = 44
  const width = Math.ceil(labelWidth + plotWidth + 90)
  const height = top + rowHeight * chart.bars.length + 40
  const finite = chart.bars.map((b) => b.value).filter(Number.isFinite)
  const axis = ticks(largest(finite, 0))
  const max = axis[axis.length - 1] as number
  const x = (v: number): number => labelWidth + (plotWidth * v) / max
  const parts: string[] = []
  for (const t of axis) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${top + rowHeight * chart.bars.length}" stroke="#e5e7eb"/>`,
      `<text x="${x(t).toFixed(1)}" y="${top + rowHeight * chart.bars.length + 16}" text-anchor="middle" fill="#6b7280">${compact(t)}</text>`,
    )
  }
  chart.bars.forEach((b, i) => {
    const y = top + i * rowHeight
    const w = Number.isFinite(b.value) ? Math.max(0, x(b.value) - labelWidth) : 0
    parts.push(
      `<text x="${(labelWidth - 8).toFixed(1)}" y="${y + 15}" text-anchor="end" fill="#111827">${escapeXml(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${GROUP_COLOURS[b.group]}" rx="2"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}" fill="#374151">${Number.isFinite(b.value) ? compact(b.value) : 'n/a'}</text>`,
    )
  })
  parts.push(
    `<text x="${labelWidth + plotWidth / 2}" y="${height - 6}" text-anchor="middle" fill="#6b7280">${escapeXml(chart.unit)}</text>`,
  )
  return frame(width, height, chart.title, parts.join('\n'))
}

function lineChart(chart: LineChart): string {
  const left = 70
  const top = 44
  const plotWidth = 460
  const plotHeight = 260
  const legendWidth =
    60 +
    6.6 *
      largest(
        chart.series.map((s) => s.name.length),
        10,
      )
  const width = Math.ceil(left + plotWidth + legendWidth)
  const height = top + plotHeight + 50
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite)
  const minX = smallest(xs)
  const maxX = largest(xs)
  const fx = (v: number): number => (chart.logX ? Math.log10(v) : v)
  const x = (v: number): number =>
    left + (maxX === minX ? plotWidth / 2 : (plotWidth * (fx(v) - fx(minX))) / (fx(maxX) - fx(minX)))
  let y: (v: number) => number
  const parts: string[] = []
  if (chart.logY === true) {
    const lo = 10 ** Math.floor(Math.log10(smallest(ys)))
    const hi = 10 ** Math.ceil(Math.log10(largest(ys)))
    y = (v) =>
      top + plotHeight - (plotHeight * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo))
    for (let t = lo; t <= hi * 1.0001; t *= 10) {
      parts.push(
        `<line x1="${left}" y1="${y(t).toFixed(1)}" x2="${left + plotWidth}" y2="${y(t).toFixed(1)}" stroke="#e5e7eb"/>`,
        `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#6b7280">${compact(t)}</text>`,
      )
    }
  } else {
    const axis = ticks(largest(ys, 0))
    const max = axis[axis.length - 1] as number
    y = (v) => top + plotHeight - (plotHeight * v) / max
    for (const t of axis) {
      parts.push(
        `<line x1="${left}" y1="${y(t).toFixed(1)}" x2="${left + plotWidth}" y2="${y(t).toFixed(1)}" stroke="#e5e7eb"/>`,
        `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#6b7280">${compact(t)}</text>`,
      )
    }
  }
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" fill="#6b7280">${compact(v)}</text>`,
    )
  }
  const used: Record<BarGroup, number> = { sluice: 0, peer: 0, floor: 0, other: 0 }
  chart.series.forEach((s, i) => {
    const group = s.group ?? 'other'
    const palette = PALETTES[group]
    const colour = palette[used[group]++ % palette.length] as string
    const dash =
      s.group === 'peer' ? ' stroke-dasharray="6 3"' : s.group === 'floor' ? ' stroke-dasharray="2 3"' : ''
    const points = s.points.filter((p) => Number.isFinite(p[1]))
    const path = points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
      .join(' ')
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`)
    for (const p of points) {
      parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${colour}"/>`)
    }
    const ly = top + 8 + i * 18
    parts.push(
      `<line x1="${left + plotWidth + 16}" y1="${ly}" x2="${left + plotWidth + 40}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<text x="${left + plotWidth + 46}" y="${ly + 4}" fill="#111827">${escapeXml(s.name)}</text>`,
    )
  })
  parts.push(
    `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#9ca3af"/>`,
    `<text x="${left + plotWidth / 2}" y="${height - 8}" text-anchor="middle" fill="#6b7280">${escapeXml(chart.xLabel)}${chart.logX ? ' (log scale)' : ''}</text>`,
    `<text x="16" y="${top + plotHeight / 2}" text-anchor="middle" fill="#6b7280" transform="rotate(-90 16 ${top + plotHeight / 2})">${escapeXml(chart.yLabel)}</text>`,
  )
  return frame(width, height, chart.title, parts.join('\n'))
}

/** The SVG document of a chart. */
export function renderChart(chart: Chart): string {
  return chart.kind === 'bar' ? barChart(chart) : lineChart(chart)
}
