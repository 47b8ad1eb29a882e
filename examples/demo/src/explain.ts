// `pnpm demo --explain`: each algorithm's reasoning, request by request, from its decision events.
import { sameRateContenders } from './algorithms.ts'
import type { PatternRun } from './simulation.ts'
import type { Style } from './terminalReport.ts'

/**
 * What `--explain` asks for: `undefined` (not given), `'all'`, or one algorithm's label; `null`
 * when the algorithm named is not one of the six.
 */
export function parseExplain(args: readonly string[]): string | undefined | null {
  const given = args.find((a) => a === '--explain' || a.startsWith('--explain='))
  if (given === undefined) return undefined
  if (given === '--explain') return 'all'
  const label = given.slice('--explain='.length)
  return sameRateContenders().some((c) => c.label === label) ? label : null
}

/** The explanation of every request of `run`, per algorithm (or only `which`), one line each. */
export function renderExplanations(run: PatternRun, which: string, style: Style): string {
  const lines: string[] = []
  for (const { contender, outcomes } of run.runs) {
    if (which !== 'all' && contender.label !== which) continue
    lines.push(style.bold(`  why ${contender.label} decided as it did (${contender.factoryCall}):`))
    for (const o of outcomes) {
      const at = `+${o.arrivalMs} ms`.padStart(10)
      lines.push(
        `  ${style.dim(at)}  ${o.allowed ? o.explanation : style.cell('denied', o.explanation ?? '')}`,
      )
    }
  }
  return lines.join('\n')
}
