/** Inline SVG charts as strings: no libraries, no scripts, nothing fetched. */

import { largest } from './metrics.ts'

export interface Series {
  readonly label: string
  readonly colour: string
  /** Corners of a step line, (x, y) in data units. */
  readonly points: readonly (readonly [number, number])[]
  readonly dash?: string
  readonly width?: number
}

export interface StepChartOptions {
  readonly title: string
  readonly xMaxMs: number
  readonly yMax: number
  readonly series: readonly Series[]
  /** Faint vertical lines at these x values (window boundaries). */
  readonly gridMs: readonly number[]
  readonly width?: number
  readonly height?: number
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const num = (n: number) => String(Math.round(n * 10) / 10)

/** Cumulative counts over time: one step line per series, on shared axes. */
export function stepChart({
  title,
  xMaxMs,
  yMax,
  series,
  gridMs,
  width = 320,
  height = 180,
}: StepChartOptions): string {
  const left = 34
  const right = 10
  const top = 22
  const bottom = 22
  const plotW = width - left - right
  const plotH = height - top - bottom
  const x = (ms: number) => left + (ms / xMaxMs) * plotW
  const y = (n: number) => top + plotH - (n / yMax) * plotH
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${left}" y="14" class="chart-title">${escapeXml(title)}</text>`,
  ]
  for (const ms of gridMs) {
    parts.push(`<line x1="${num(x(ms))}" y1="${top}" x2="${num(x(ms))}" y2="${top + plotH}" class="grid"/>`)
  }
  for (let s = 0; s * 1000 <= xMaxMs; s++) {
    parts.push(
      `<text x="${num(x(s * 1000))}" y="${height - 6}" class="tick" text-anchor="middle">${s}s</text>`,
    )
  }
  for (const n of niceTicks(yMax)) {
    parts.push(`<text x="${left - 4}" y="${num(y(n) + 3)}" class="tick" text-anchor="end">${n}</text>`)
    parts.push(`<line x1="${left}" y1="${num(y(n))}" x2="${left + plotW}" y2="${num(y(n))}" class="grid"/>`)
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" class="frame"/>`)
  for (const s of series) {
    const d = s.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${num(x(px))} ${num(y(py))}`).join(' ')
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.width ?? 2}"${dash}><title>${escapeXml(s.label)}</title></path>`,
    )
  }
  parts.push('</svg>')
  return parts.join('')
}

function niceTicks(max: number): number[] {
  const step = [1, 2, 5, 10, 20, 25, 50, 100].find((s) => max / s <= 5) ?? Math.ceil(max / 5)
  const ticks: number[] = []
  for (let n = 0; n <= max; n += step) ticks.push(n)
  return ticks
}

export interface Bar {
  readonly label: string
  readonly values: readonly number[]
}

/** Horizontal grouped bars: one group per label, one bar per value (named by `valueNames`). */
export function barChart(
  title: string,
  bars: readonly Bar[],
  valueNames: readonly string[],
  colours: readonly string[],
  unit: string,
): string {
  const width = 640
  const left = 110
  const right = 70
  const barH = 14
  const groupH = valueNames.length * barH + 12
  const top = 28
  const height = top + bars.length * groupH + 28
  const max = largest(bars.flatMap((b) => b.values))
  const w = (v: number) => (v / max) * (width - left - right)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${left}" y="16" class="chart-title">${escapeXml(title)}</text>`,
  ]
  bars.forEach((bar, g) => {
    const gy = top + g * groupH
    parts.push(
      `<text x="${left - 8}" y="${gy + (valueNames.length * barH) / 2 + 4}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`,
    )
    bar.values.forEach((v, k) => {
      const by = gy + k * barH
      parts.push(
        `<rect x="${left}" y="${by}" width="${num(w(v))}" height="${barH - 3}" fill="${colours[k]}"><title>${escapeXml(`${bar.label}, ${valueNames[k]}: ${Math.round(v)} ${unit}`)}</title></rect>`,
      )
      parts.push(
        `<text x="${num(left + w(v) + 4)}" y="${by + barH - 4}" class="tick">${Math.round(v)} ${escapeXml(unit)}</text>`,
      )
    })
  })
  const legendY = height - 10
  valueNames.forEach((name, k) => {
    const lx = left + k * 160
    parts.push(`<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${colours[k]}"/>`)
    parts.push(`<text x="${lx + 14}" y="${legendY}" class="tick">${escapeXml(name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}
