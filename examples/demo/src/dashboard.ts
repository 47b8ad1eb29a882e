// The report's dashboard: what a listener on `limiter.events` sees, as remaining budget per key and retry-after spread.
import type { Contender, NominalRate } from './algorithms.ts'
import { largest } from './metrics.ts'
import type { PatternRun, RequestOutcome } from './simulation.ts'
import { barChart, escapeXml as esc, type Series, stepChart } from './svgCharts.ts'

/** Retry-after buckets, each up to and including its bound (ms); the last one is everything longer. */
const RETRY_BUCKETS_MS = [100, 250, 500, 1000] as const

/** A key's remaining budget after each of its decisions, as (t, remaining) corners of a step line. */
export function remainingSteps(outcomes: readonly RequestOutcome[], endMs: number): [number, number][] {
  const points: [number, number][] = []
  for (const o of outcomes) {
    const before = points.at(-1)
    if (before !== undefined) points.push([o.arrivalMs, before[1]])
    points.push([o.arrivalMs, o.remaining])
  }
  const last = points.at(-1)
  if (last !== undefined) points.push([endMs, last[1]])
  return points
}

/** The outcomes of one run by key, in arrival order (the key as the limiter's `exposeKey` showed it). */
function byKey(outcomes: readonly RequestOutcome[]): Map<string, RequestOutcome[]> {
  const keys = new Map<string, RequestOutcome[]>()
  for (const o of outcomes) {
    const key = o.key ?? '(key hidden)'
    const list = keys.get(key)
    if (list === undefined) keys.set(key, [o])
    else list.push(o)
  }
  return keys
}

/** How a set of denials' retry-after values spread: counts per bucket, median and longest. */
export interface RetryAfterSpread {
  readonly denied: number
  /** One count per `RETRY_BUCKETS_MS` bound, then one for longer. */
  readonly counts: readonly number[]
  readonly medianMs: number | undefined
  readonly maxMs: number | undefined
}

export function retryAfterSpread(outcomes: readonly RequestOutcome[]): RetryAfterSpread {
  const values = outcomes
    .filter((o) => !o.allowed)
    .map((o) => o.retryAfterMs)
    .sort((a, b) => a - b)
  const counts = new Array<number>(RETRY_BUCKETS_MS.length + 1).fill(0)
  for (const v of values) {
    const i = RETRY_BUCKETS_MS.findIndex((bound) => v <= bound)
    counts[i < 0 ? RETRY_BUCKETS_MS.length : i] = (counts[i < 0 ? RETRY_BUCKETS_MS.length : i] ?? 0) + 1
  }
  return {
    denied: values.length,
    counts,
    medianMs: values.length === 0 ? undefined : values[Math.floor((values.length - 1) / 2)],
    maxMs: values.at(-1),
  }
}

/** The bucket names: `≤ 100 ms`, …, `> 1000 ms`. */
export function bucketNames(): string[] {
  return [...RETRY_BUCKETS_MS.map((b) => `≤ ${b} ms`), `> ${RETRY_BUCKETS_MS.at(-1)} ms`]
}

/**
 * The dashboard section (HTML): per pattern, each algorithm's remaining budget per key over time;
 * then, over all patterns, each algorithm's retry-after distribution. `colours` follow `contenders`.
 */
export function dashboardSection(
  results: readonly PatternRun[],
  contenders: readonly Contender[],
  rate: NominalRate,
  colours: readonly string[],
): string {
  const charts = results.map((run) => remainingChart(run, rate, colours))
  const spreads = contenders.map((c) =>
    retryAfterSpread(
      results.flatMap((r) => r.runs.filter((a) => a.contender.label === c.label).flatMap((a) => a.outcomes)),
    ),
  )
  const names = bucketNames()
  const bars = barChart(
    'Retry-after of denied requests, all patterns (count per bucket)',
    contenders.map((c, i) => ({ label: c.label, values: spreads[i]?.counts ?? [] })),
    names,
    ['#009E73', '#56B4E9', '#0072B2', '#E69F00', '#D55E00'],
    '',
  )
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${v} ms`)
  const rows = contenders
    .map((c, i) => {
      const s = spreads[i] as RetryAfterSpread
      return `<tr data-retry-after="${esc(c.label)}"><td>${esc(c.label)}</td><td>${s.denied}</td>${s.counts.map((n) => `<td>${n}</td>`).join('')}<td>${ms(s.medianMs)}</td><td>${ms(s.maxMs)}</td></tr>`
    })
    .join('')
  return `<h2>Dashboard: from the decision events</h2>
<p>Built only from each limiter's <code>decision</code> events (<code>limiter.events.on('decision', …)</code>), as a dashboard
subscribed in production would see them: <code>remaining</code> per key after each decision, and <code>retryAfterMs</code>
of each denial. The demo's one key is <code>client</code>, shown because its limiters are made with <code>exposeKey: true</code>.</p>
<h3>Remaining budget per key over time</h3>
<div class="charts">${charts.join('\n')}</div>
<h3>Retry-after distribution per algorithm</h3>
${bars}
<table><thead><tr><th>algorithm</th><th>denied</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>median</th><th>longest</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="note">A client told to come back after the longest retry-after waits longest; a spread of short ones means the
algorithm frees capacity bit by bit (token bucket, GCRA, sliding log), one value per window means it frees it all at once
(fixed window).</p>`
}

function remainingChart(run: PatternRun, rate: NominalRate, colours: readonly string[]): string {
  const { pattern, runs } = run
  const xMaxMs = Math.ceil(pattern.durationMs / 1000) * 1000
  const series: Series[] = []
  runs.forEach((r, i) => {
    for (const [key, outcomes] of byKey(r.outcomes)) {
      series.push({
        label: `${r.contender.label} · ${key}: remaining after each decision`,
        colour: colours[i] as string,
        points: remainingSteps(outcomes, xMaxMs),
        width: 1.5,
      })
    }
  })
  const yMax = largest(
    runs.flatMap((r) => r.outcomes.map((o) => o.remaining)),
    rate.limit,
  )
  const gridMs = Array.from({ length: Math.floor(xMaxMs / rate.windowMs) + 1 }, (_, k) => k * rate.windowMs)
  return stepChart({ title: `${pattern.title}: remaining budget`, xMaxMs, yMax, series, gridMs })
}
