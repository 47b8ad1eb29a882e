import { largest } from '../metrics.ts'
import type { PatternRun } from '../simulation.ts'
import type { HttpOutcome } from './loadDriver.ts'
import type { HttpRun } from './run.ts'

/** Requests sent and how they were answered. */
export interface Tally {
  readonly sent: number
  readonly ok: number
  readonly limited: number
  readonly failed: number
}

export interface AlgorithmHttpSummary {
  readonly label: string
  readonly total: Tally
  /** In the order of `run.patterns`. */
  readonly perPattern: readonly Tally[]
  /** What the simulation admitted of each pattern, when given. */
  readonly simulated: readonly number[] | undefined
  /** The response whose headers the demo shows: the first 429, else the last response. */
  readonly sample: HttpOutcome | undefined
}

/** Shaping as a client sees it: admitted requests that came back late, and by how much. */
export interface ShapingSummary {
  readonly label: string
  readonly admitted: number
  /** Admitted with delayMs > 0. */
  readonly held: number
  /** Latency beyond that of unheld admitted requests (their median): median and largest. */
  readonly medianExtraMs: number
  readonly maxExtraMs: number
  /** The largest delayMs the server reported. */
  readonly maxDelayMs: number
  /** How far past its delayMs a held request came back (the hop, the timer, the load): median and largest. */
  readonly medianOverrunMs: number
  readonly maxOverrunMs: number
  readonly baselineMs: number
}

export interface HttpSummary {
  readonly algorithms: readonly AlgorithmHttpSummary[]
  readonly shaping: readonly ShapingSummary[]
  readonly requests: number
  /** How long after its planned time fetch was called: median and largest (timers and load). */
  readonly lateMs: { readonly median: number; readonly max: number }
  /** Distinct reasons of failed requests (no response). */
  readonly errors: readonly string[]
}

export function tally(outcomes: readonly HttpOutcome[]): Tally {
  const count = (status: number) => outcomes.filter((o) => o.status === status).length
  const ok = count(200)
  const limited = count(429)
  return { sent: outcomes.length, ok, limited, failed: outcomes.length - ok - limited }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number)
}

/** Per algorithm and pattern counts, a sample of headers, shaping as observed; beside the simulation when given. */
export function summarizeHttp(run: HttpRun, simulated?: readonly PatternRun[]): HttpSummary {
  const byLabel = (label: string) => run.outcomes.filter((o) => o.label === label)
  const algorithms = run.labels.map((label): AlgorithmHttpSummary => {
    const mine = byLabel(label).sort((a, b) => a.sentMs - b.sentMs)
    const admittedIn = (patternId: string) =>
      simulated
        ?.find((r) => r.pattern.id === patternId)
        ?.runs.find((r) => r.contender.label === label)
        ?.outcomes.filter((o) => o.allowed).length
    const sims = run.patterns.map((p) => admittedIn(p.id))
    return {
      label,
      total: tally(mine),
      perPattern: run.patterns.map((p) => tally(mine.filter((o) => o.patternId === p.id))),
      simulated: sims.every((n) => n !== undefined) ? (sims as number[]) : undefined,
      sample: mine.find((o) => o.status === 429) ?? mine.at(-1),
    }
  })

  const unheld = run.outcomes.filter((o) => o.status === 200 && o.delayMs === 0).map((o) => o.latencyMs)
  const baselineMs = median(unheld)
  const shaping = run.labels.flatMap((label): ShapingSummary[] => {
    const admitted = byLabel(label).filter((o) => o.status === 200)
    const held = admitted.filter((o) => o.delayMs > 0)
    if (held.length === 0) return []
    const extra = held.map((o) => o.latencyMs - baselineMs)
    const overrun = held.map((o) => o.latencyMs - o.delayMs)
    return [
      {
        label,
        admitted: admitted.length,
        held: held.length,
        medianExtraMs: median(extra),
        maxExtraMs: largest(extra),
        maxDelayMs: largest(held.map((o) => o.delayMs)),
        medianOverrunMs: median(overrun),
        maxOverrunMs: largest(overrun),
        baselineMs,
      },
    ]
  })
  const errors = [...new Set(run.outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error])))]
  const late = run.outcomes.map((o) => o.sentMs - o.plannedMs)
  const lateMs = { median: median(late), max: largest(late, 0) }
  return { algorithms, shaping, requests: run.outcomes.length, lateMs, errors }
}
