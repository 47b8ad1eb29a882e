import type { Contender, NominalRate } from '../algorithms.ts'
import { simulateAll } from '../simulation.ts'
import type { Style } from '../terminalReport.ts'
import { trafficPatterns } from '../trafficPatterns.ts'
import { renderHttpSection } from './htmlSection.ts'
import { type ProgressOutput, progressView } from './progress.ts'
import { renderHttpIntro, renderHttpSummary } from './report.ts'
import { runOverHttp } from './run.ts'
import { summarizeHttp } from './summary.ts'

/** How long the steady patterns and the ramp last over HTTP: one after another, about 10 s in all. */
const HTTP_PATTERN_MS = 2000

/**
 * The demo's part over real HTTP, printed as it goes: intro, live progress, the summary. Returns
 * the HTML section for the report, or none when the run failed; `ok` is false when any request
 * went unanswered or the run failed.
 */
export async function httpDemo(
  contenders: readonly Contender[],
  rate: NominalRate,
  style: Style,
  out: ProgressOutput = process.stdout,
): Promise<{ readonly section: string | undefined; readonly ok: boolean }> {
  const patterns = trafficPatterns(rate, HTTP_PATTERN_MS)
  const progress = progressView(out, style)
  try {
    const run = await runOverHttp({
      contenders,
      patterns,
      windowMs: rate.windowMs,
      onStart: (start) => out.write(`${renderHttpIntro(start, patterns, style)}\n\n`),
      onProgress: (p) => progress.update(p),
    })
    progress.finish(run.progress)
    // The yardstick: these very patterns on the simulated clock.
    const summary = summarizeHttp(run, await simulateAll(patterns, contenders))
    out.write(`${renderHttpSummary(summary, run, style)}\n`)
    return { section: renderHttpSection(run, summary), ok: summary.errors.length === 0 }
  } catch (error) {
    out.write(`\nThe run over HTTP failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    return { section: undefined, ok: false }
  }
}
