import { escapeXml as esc } from '../svgCharts.ts'
import { clockTime, shapingNote, simulationComparison } from './report.ts'
import type { HttpRun } from './run.ts'
import type { HttpSummary } from './summary.ts'

/** The "Over HTTP" section of the HTML report: the same tables and notes as the terminal. */
export function renderHttpSection(run: HttpRun, summary: HttpSummary): string {
  const head = run.patterns.map((p) => `<th title="${esc(p.title)}">${esc(p.id)}</th>`).join('')
  const rows = summary.algorithms
    .map((a) => {
      const cells = a.perPattern
        .map((t, i) => {
          const sim = a.simulated?.[i]
          const mark = sim === undefined || sim === t.ok ? '' : ` <span class="note">(${sim})</span>`
          return `<td>${t.ok} / ${t.sent}${mark}</td>`
        })
        .join('')
      const simulated = a.simulated === undefined ? '' : String(a.simulated.reduce((x, y) => x + y, 0))
      return `<tr><td>${esc(a.label)}</td>${cells}<td>${a.total.sent}</td><td>${a.total.ok}</td><td>${a.total.limited}</td><td>${simulated}</td></tr>`
    })
    .join('')
  const headers = summary.algorithms
    .map((a) => {
      const s = a.sample
      if (s === undefined) return `<tr><td>${esc(a.label)}</td><td colspan="4">no response</td></tr>`
      const cell = (value: string | null) => `<td><code>${esc(value ?? '(none)')}</code></td>`
      return `<tr><td>${esc(a.label)}</td><td>${s.status}</td>${cell(s.headers.policy)}${cell(s.headers.rateLimit)}${cell(s.headers.retryAfter)}</tr>`
    })
    .join('')
  const comparison = simulationComparison(
    summary.algorithms,
    run.patterns.map((p) => p.id),
  )
  const notes = [
    ...summary.shaping.map((s) => esc(shapingNote(s))),
    ...(comparison === undefined ? [] : [esc(comparison.note)]),
    ...summary.errors.map((e) => esc(`request failed: ${e}`)),
  ]
  const seconds = (run.durationMs / 1000).toFixed(1)
  return `<h2>Over HTTP</h2>
<p>The same patterns as real <code>fetch</code> requests to an Express app on <code>${esc(run.url)}</code> through
<code>@sluice/express</code>: one route per algorithm (<code>GET /&lt;algorithm&gt;/&lt;pattern&gt;</code>), each with its own
limiter on its own <code>memoryStore()</code>, keyed by pattern; the leaky bucket with <code>maxDelayMs: ${run.maxDelayMs}</code>.
The patterns ran one after another, each starting on a whole second of <code>Date.now()</code> (the first at
${esc(clockTime(run.startEpochMs))}), where fixed and sliding windows turn; steady patterns and the ramp last
${(run.patterns.find((p) => p.id === 'steady-under')?.durationMs ?? 0) / 1000} s here. ${summary.requests} requests in ${seconds} s, server start to close; each sent a median
${summary.lateMs.median.toFixed(1)} ms after its planned time, at most ${Math.round(summary.lateMs.max)} ms.</p>
<table><thead><tr><th>200 / sent</th>${head}<th>sent</th><th>200</th><th>429</th><th>simulated 200</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="note">A count in brackets is what the simulation admits of the same pattern, where it differs.</p>
<p class="note">Headers of one response per algorithm (its first 429):</p>
<table><thead><tr><th>algorithm</th><th>status</th><th>RateLimit-Policy</th><th>RateLimit</th><th>Retry-After</th></tr></thead>
<tbody>${headers}</tbody></table>
<ul>${notes.map((n) => `<li>${n}</li>`).join('')}</ul>`
}
