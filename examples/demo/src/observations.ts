import type { AlgorithmKind } from '@sluice/core'
import type { NominalRate } from './algorithms.ts'
import { type BusiestWindow, busiestWindow, departures, idealAdmissions, type RunSummary } from './metrics.ts'
import type { PatternRun } from './simulation.ts'
import type { StateSizeReport } from './stateSize.ts'

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** Why an algorithm lets more through than the strict ideal: added only when the demo observed it. */
const WHY_OVER: Partial<Record<AlgorithmKind, string>> = {
  fixedWindow: 'its count starts again at every window boundary',
  tokenBucket: 'a full burst allowance, plus what refilled meanwhile',
  gcra: 'a full burst allowance, plus what refilled meanwhile',
  leakyBucket: 'it takes up to capacity + 1 into its queue and delays them instead of denying',
}

/** Why an algorithm admits less than the ideal. */
const WHY_UNDER: Partial<Record<AlgorithmKind, string>> = {
  slidingWindow: "it weighs the previous window's count as if those requests had been spread evenly",
}

/**
 * Plain-language findings for one pattern, each computed from the runs: who let more than the limit
 * through (and where), who matched the strict ideal, who admitted less, how the leaky bucket shaped.
 */
export function observations(run: PatternRun, summaries: readonly RunSummary[], rate: NominalRate): string[] {
  const { pattern, runs } = run
  const notes: string[] = []
  const labels = runs.map((r) => r.contender.label)
  const ideal = idealAdmissions(pattern.arrivalsMs, rate)

  const exact = labels.filter((_, i) => runs[i]?.outcomes.every((o, k) => o.allowed === ideal[k]))
  if (exact.length === labels.length)
    notes.push('every algorithm decided every request exactly like the ideal')
  else if (exact.length > 0) notes.push(`${list(exact)} decided every request exactly like the ideal`)

  // Over the limit: grouped, since several algorithms often let the same requests through.
  const spanMs = pattern.burstSpanMs ?? rate.windowMs
  type Group = { names: string[]; peak: BusiestWindow; why: string | undefined; windowed: boolean }
  const over = new Map<string, Group>()
  summaries.forEach((s, i) => {
    const peak = pattern.burstSpanMs === undefined ? s.busiestWindow : (s.busiestBurst as BusiestWindow)
    if (peak.count <= rate.limit) return
    const kind = runs[i]?.contender.algorithm.kind as AlgorithmKind
    const why = WHY_OVER[kind]
    const key = `${peak.count}:${peak.firstMs}:${peak.lastMs}:${why}`
    const group = over.get(key) ?? { names: [], peak, why, windowed: false }
    group.names.push(labels[i] as string)
    group.windowed ||= WINDOWED.has(kind)
    over.set(key, group)
  })
  for (const { names, peak, why, windowed } of over.values()) {
    notes.push(overLimitNote(names, peak, spanMs, rate, windowed) + (why === undefined ? '' : `: ${why}`))
  }

  summaries.forEach((s, i) => {
    if (s.admitted >= s.ideal) return
    const why = WHY_UNDER[runs[i]?.contender.algorithm.kind as AlgorithmKind]
    notes.push(
      `${labels[i]} admitted ${s.ideal - s.admitted} fewer than the ideal (${s.admitted} vs ${s.ideal})${why === undefined ? '' : `: ${why}`}`,
    )
  })

  runs.forEach((r, i) => {
    const s = summaries[i] as RunSummary
    if (s.maxDelayMs === 0) return
    const delayed = r.outcomes.filter((o) => o.allowed && o.delayMs > 0).length
    const output = busiestWindow(departures(r.outcomes), rate.windowMs)
    notes.push(
      `${r.contender.label} shapes: it delayed ${delayed} of ${s.admitted} admitted requests, by up to ${s.maxDelayMs} ms; ` +
        `waiting requests start ${s.minDepartureGapMs} ms apart, so at most ${output.count} start in any ${rate.windowMs} ms`,
    )
  })
  return notes
}

/** Algorithms with windows, for which a window boundary means something. */
const WINDOWED = new Set<AlgorithmKind>(['fixedWindow', 'slidingWindow', 'slidingLog'])

function overLimitNote(
  names: readonly string[],
  peak: BusiestWindow,
  spanMs: number,
  rate: NominalRate,
  windowed: boolean,
): string {
  const within = peak.lastMs - peak.firstMs
  // A window boundary inside the group (first < k·window ≤ last) is what fixed windows reset at.
  const boundary = Math.floor(peak.lastMs / rate.windowMs) * rate.windowMs
  const across =
    windowed && boundary > peak.firstMs ? ` across the window boundary at ${seconds(boundary)}` : ''
  const ratio = (peak.count / rate.limit).toFixed(1)
  const where =
    within === 0
      ? `at once at ${seconds(peak.firstMs)}`
      : `within ${within} ms${across} (${seconds(peak.firstMs)} to ${seconds(peak.lastMs)})`
  const limit = `the limit of ${rate.limit}${spanMs === rate.windowMs ? ` per ${rate.windowMs} ms` : ''}`
  return `${list(names)} admitted ${peak.count} ${where} = ${ratio}× ${limit}`
}

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/** Findings from the memory measurement, each computed from its numbers. */
export function stateSizeNotes(report: StateSizeReport): string[] {
  const notes: string[] = []
  // Below this, a difference is measurement noise rather than a bigger state.
  const noiseBytes = 8
  const grew = report.sizes.filter((s) => s.atLimit - s.oneRequest > noiseBytes)
  notes.push(
    grew.length === 0
      ? `no algorithm's memory per key grew by more than ${noiseBytes} B from 1 request to a full burst`
      : grew
          .map(
            (s) =>
              `${s.label} grew by ${Math.round(s.atLimit - s.oneRequest)} B from 1 request to ${s.fullBurst}`,
          )
          .join('; '),
  )
  const sorted = [...report.sizes].sort((a, b) => a.atLimit - b.atLimit)
  const median = sorted[Math.floor(sorted.length / 2)]?.atLimit ?? 0
  const largest = sorted[sorted.length - 1]
  if (largest !== undefined && largest.atLimit - median > noiseBytes) {
    notes.push(
      `${largest.label} costs the most: ${Math.round(largest.atLimit - median)} B per key above the median`,
    )
  }
  return notes
}

/** What one key holds in a memoryStore, for the reader of the numbers. */
export const HOLDS = 'Each key holds its store key string, its state array and an LRU map entry.'

/** "10 (11 for leakyBucket)": the full-burst cost of each algorithm, most common first. */
export function burstSizes(report: StateSizeReport): string {
  const counts = new Map<number, string[]>()
  for (const s of report.sizes) counts.set(s.fullBurst, [...(counts.get(s.fullBurst) ?? []), s.label])
  const [common, ...others] = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)
  if (common === undefined) return ''
  const exceptions = others.map(([cost, labels]) => `${cost} for ${labels.join(', ')}`).join('; ')
  return exceptions === '' ? String(common[0]) : `${common[0]} (${exceptions})`
}
