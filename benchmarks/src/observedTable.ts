// The "cost of observability" table: one sluice limiter with nobody listening, a no-op listener, OTel.
import { median, medianRatio } from './harness.ts'
import { observedNames } from './observers.ts'
import { formatRate, formatRatio, table } from './report.ts'

/** The contender the observed rows are built on. */
const OBSERVED_BASE = 'sluice gcra'

/**
 * The markdown of the observability rows: each one's median rate, the median of its per-round
 * ratio to the row with no listener (run moments apart in the same round), and, with `extra`,
 * the median per round of what each decision costs on top of that row.
 */
export function observedSection(
  ratesOf: (name: string) => readonly number[],
  extra: { readonly header: string; readonly perDecisionUs: (name: string) => readonly number[] } | undefined,
): string {
  const [base, ...observed] = observedNames(OBSERVED_BASE) as [string, ...string[]]
  const rows = [base, ...observed].map((name) => {
    const row = [
      name,
      formatRate(median(ratesOf(name))),
      formatRatio(medianRatio(ratesOf(name), ratesOf(base))),
    ]
    if (extra !== undefined) {
      // Per round, then the median: the two rows ran moments apart, so a slow patch cancels out.
      const mine = extra.perDecisionUs(name)
      const theirs = extra.perDecisionUs(base)
      const added: number[] = []
      for (let i = 0; i < Math.min(mine.length, theirs.length); i++) {
        added.push((mine[i] as number) - (theirs[i] as number))
      }
      row.push(name === base ? '–' : formatAdded(median(added)))
    }
    return row
  })
  const headers = [
    'contender',
    'decisions/s (median)',
    `÷ ${base}`,
    ...(extra === undefined ? [] : [extra.header]),
  ]
  return [
    `The cost of observability: \`${base}\` with nobody listening (each call still checks for a listener and a ` +
      'diagnostics-channel subscriber), with one `decision` listener that does nothing (what sluice itself spends ' +
      'building and delivering the event), and with `@sluice/otel` recording every decision into the OpenTelemetry ' +
      'SDK (a counter and a histogram; exported to memory once an hour, so no export runs while timed).',
    table(headers, rows, ['left', ...Array<'right'>(headers.length - 1).fill('right')]),
  ].join('\n\n')
}

/** Added time per decision, to the hundredth of a µs: a no-op listener costs well under one. */
function formatAdded(us: number): string {
  return Number.isFinite(us) ? `${us >= 0 ? '+' : ''}${us.toFixed(2)} µs` : '–'
}
