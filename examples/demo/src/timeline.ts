import { departures, largest } from './metrics.ts'
import type { RequestOutcome } from './simulation.ts'
import type { TrafficPattern } from './trafficPatterns.ts'

/** What happened to the requests that arrived in one time slice. */
export type Cell = 'idle' | 'admitted' | 'mixed' | 'denied'

/** One glyph per cell kind, readable without colour. */
export const GLYPHS: Record<Cell, string> = { idle: '·', admitted: '█', mixed: '▒', denied: '░' }

/**
 * How many slices the pattern's timeline needs: its duration, stretched when a shaper lets
 * admitted requests start after the pattern has ended.
 */
export function timelineLength(
  pattern: TrafficPattern,
  outcomeLists: readonly (readonly RequestOutcome[])[],
): number {
  const lastStart = largest(
    outcomeLists.flatMap((outcomes) => departures(outcomes)),
    0,
  )
  return Math.ceil(Math.max(pattern.durationMs, lastStart + 1) / pattern.bucketMs)
}

/** Classifies each slice by how its arrivals were decided. */
export function arrivalCells(outcomes: readonly RequestOutcome[], bucketMs: number, length: number): Cell[] {
  const offered = new Array<number>(length).fill(0)
  const admitted = new Array<number>(length).fill(0)
  for (const o of outcomes) {
    const slice = Math.floor(o.arrivalMs / bucketMs)
    offered[slice] = (offered[slice] as number) + 1
    if (o.allowed) admitted[slice] = (admitted[slice] as number) + 1
  }
  return offered.map((n, i): Cell => {
    const a = admitted[i] as number
    if (n === 0) return 'idle'
    if (a === n) return 'admitted'
    return a === 0 ? 'denied' : 'mixed'
  })
}

/** Counts per slice as one character each: '·' for none, 1–9, '+' for more. */
export function countRow(timesMs: readonly number[], bucketMs: number, length: number): string {
  const counts = new Array<number>(length).fill(0)
  for (const t of timesMs) {
    const slice = Math.floor(t / bucketMs)
    if (slice < length) counts[slice] = (counts[slice] as number) + 1
  }
  return counts.map((n) => (n === 0 ? GLYPHS.idle : n > 9 ? '+' : String(n))).join('')
}

/** A ruler with a label at every whole second, e.g. `0s        1s        2s`. */
export function ruler(bucketMs: number, length: number): string {
  const chars = new Array<string>(length).fill(' ')
  for (let ms = 0; ms / bucketMs < length; ms += 1000) {
    const label = `${ms / 1000}s`
    const at = Math.round(ms / bucketMs)
    if (at + label.length > length) break
    for (let k = 0; k < label.length; k++) chars[at + k] = label[k] as string
  }
  return chars.join('')
}
