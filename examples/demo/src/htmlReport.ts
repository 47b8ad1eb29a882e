import type { Contender, NominalRate } from './algorithms.ts'
import { dashboardSection } from './dashboard.ts'
import {
  cumulativeSteps,
  departures,
  idealAdmissions,
  largest,
  type RunSummary,
  summarize,
} from './metrics.ts'
import { burstSizes, HOLDS, observations, stateSizeNotes } from './observations.ts'
import type { PatternRun } from './simulation.ts'
import type { StateSizeReport } from './stateSize.ts'
import { barChart, escapeXml as esc, type Series, stepChart } from './svgCharts.ts'

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9']
const IDEAL = '#222'
const OFFERED = '#bbb'

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1040px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h3 { font-size: 1rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
code { background: #f3f3f3; padding: 0 .2em; border-radius: 3px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: .5rem; }
svg { max-width: 100%; height: auto; }
.chart-title { font-size: 12px; font-weight: 600; } .tick { font-size: 10px; fill: #555; } .label { font-size: 12px; }
.grid { stroke: #eee; } .frame { fill: none; stroke: #ccc; }
table { border-collapse: collapse; margin: .6rem 0; } td, th { padding: .15rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { border-bottom: 1px solid #ccc; }
.key { display: inline-block; width: 1.4em; height: .25em; vertical-align: middle; margin: 0 .3em 0 1em; }
.note { color: #555; }`

/**
 * The whole report as one self-contained HTML document: inline CSS and SVG, no scripts, no links out.
 * `extraSections` (HTML) go at the end: the run over HTTP.
 */
export function renderHtmlReport(
  results: readonly PatternRun[],
  sizes: StateSizeReport,
  contenders: readonly Contender[],
  rate: NominalRate,
  extraSections = '',
): string {
  const sections = results.map((run) => patternSection(run, rate)).join('\n')
  const bytes = barChart(
    `Heap bytes per key in a memoryStore (${sizes.keys.toLocaleString('en')} keys)`,
    sizes.sizes.map((s) => ({ label: s.label, values: [s.oneRequest, s.atLimit] })),
    ['after 1 request', 'after a full burst'],
    ['#999', '#0072B2'],
    'B',
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice demo: six rate-limiting algorithms</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>sluice demo: six algorithms at ${rate.limit} requests per ${rate.windowMs} ms</h1>
<p>Each traffic pattern runs through each algorithm on a fresh <code>memoryStore()</code>, with a simulated clock.
Charts show cumulative requests over time: <span class="key" style="background:${OFFERED}"></span>offered
<span class="key" style="background:${IDEAL}"></span>ideal (a strict “at most ${rate.limit} in any ${rate.windowMs} ms”, dashed)
and each algorithm's admitted requests; for the leaky bucket, dotted: when admitted requests start (arrival + <code>delayMs</code>).
Faint vertical lines mark window boundaries.</p>
<ul>${contenders.map((c, i) => `<li><span class="key" style="background:${COLOURS[i]}"></span><code>${esc(c.factoryCall)}</code></li>`).join('')}</ul>
${sections}
${dashboardSection(results, contenders, rate, COLOURS)}
<h2>Memory per key</h2>
${bytes}
<p class="note">${esc(sizes.method)}. Full burst: one request of cost ${esc(burstSizes(sizes))}. ${esc(HOLDS)}</p>
<ul>${stateSizeNotes(sizes)
    .map((n) => `<li>${esc(n)}</li>`)
    .join('')}</ul>
${extraSections}
</body></html>
`
}

function patternSection(run: PatternRun, rate: NominalRate): string {
  const { pattern, runs } = run
  const summaries = runs.map((r) => summarize(r, pattern, rate))
  const ideal = idealAdmissions(pattern.arrivalsMs, rate)
  const idealTimes = pattern.arrivalsMs.filter((_, i) => ideal[i])
  const lastStart = largest(
    runs.flatMap((r) => departures(r.outcomes)),
    0,
  )
  const xMaxMs = Math.ceil(Math.max(pattern.durationMs, lastStart) / 1000) * 1000
  const gridMs = Array.from({ length: Math.floor(xMaxMs / rate.windowMs) + 1 }, (_, k) => k * rate.windowMs)
  const yMax = pattern.arrivalsMs.length
  const offered: Series = {
    label: 'offered',
    colour: OFFERED,
    points: cumulativeSteps(pattern.arrivalsMs, xMaxMs),
  }
  // Drawn last, dashed, so that it stays visible where an algorithm matches it exactly.
  const idealLine: Series = {
    label: 'ideal',
    colour: IDEAL,
    points: cumulativeSteps(idealTimes, xMaxMs),
    dash: '5 3',
    width: 1.5,
  }
  const charts = runs.map((r, i) => {
    const admitted = r.outcomes.filter((o) => o.allowed).map((o) => o.arrivalMs)
    const series: Series[] = [
      offered,
      {
        label: `${r.contender.label} admitted`,
        colour: COLOURS[i] as string,
        points: cumulativeSteps(admitted, xMaxMs),
      },
    ]
    if ((summaries[i] as RunSummary).maxDelayMs > 0) {
      series.push({
        label: `${r.contender.label} starts (arrival + delayMs)`,
        colour: COLOURS[i] as string,
        points: cumulativeSteps(departures(r.outcomes), xMaxMs),
        dash: '2 2',
        width: 1.5,
      })
    }
    series.push(idealLine)
    const s = summaries[i] as RunSummary
    return stepChart({
      title: `${r.contender.label}: ${s.admitted} of ${s.offered} (ideal ${s.ideal})`,
      xMaxMs,
      yMax,
      series,
      gridMs,
    })
  })
  const spanMs = pattern.burstSpanMs ?? rate.windowMs
  const rows = summaries
    .map((s, i) => {
      const peak = pattern.burstSpanMs === undefined ? s.busiestWindow : s.busiestBurst
      return `<tr><td>${esc(runs[i]?.contender.label ?? '')}</td><td>${s.admitted} / ${s.offered}</td><td>${s.ideal}</td><td>${peak?.count ?? 0}</td><td>${s.maxDelayMs} ms</td></tr>`
    })
    .join('')
  const notes = observations(run, summaries, rate)
  return `<h2>${esc(pattern.title)}</h2>
<p>${esc(pattern.description)}</p>
<div class="charts">${charts.join('\n')}</div>
<table><thead><tr><th>algorithm</th><th>admitted</th><th>ideal</th><th>most admitted in ${spanMs} ms</th><th>longest delay</th></tr></thead>
<tbody>${rows}</tbody></table>
<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
}
