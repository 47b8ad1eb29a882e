import type { Section } from './report.ts'

export interface RunContext {
  /** Short rounds: a smoke run, not numbers to quote. */
  readonly quick: boolean
  /** A progress line for the terminal (stderr), kept out of the results. */
  readonly progress: (line: string) => void
}

/** One benchmark case. Cases of one family write one results file: `results/<family>.md`. */
export interface Case {
  readonly name: string
  readonly family: string
  readonly summary: string
  run(context: RunContext): Promise<Section>
}
