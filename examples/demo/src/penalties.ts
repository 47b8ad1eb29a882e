// Penalties next to the algorithms: a client that keeps retrying at twice the rate, under gcra
// alone, with blockDuration, and with escalation, on a simulated clock.
import { createRateLimiter, gcra, type PenaltyOptions } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import type { NominalRate } from './algorithms.ts'
import { SIMULATION_START_MS } from './simulation.ts'
import type { Style } from './terminalReport.ts'

/** One line-up entry: its options as printed, and what each request got ('█' admitted, '·' refused, '▒' blocked), per 4 requests. */
export interface PenaltyRun {
  readonly label: string
  readonly admitted: number
  readonly offered: number
  readonly row: string
}

const SETUPS: readonly { label: string; options: PenaltyOptions }[] = [
  { label: 'no penalty', options: {} },
  { label: "blockDuration: '2s'", options: { blockDuration: '2s' } },
  {
    label: "+ blockEscalation: { factor: 2, maxBlockDuration: '8s' }",
    options: { blockDuration: '2s', blockEscalation: { factor: 2, maxBlockDuration: '8s' } },
  },
]

/**
 * Twice the nominal rate for 20 s, one character per request. A blocked request (`blockedUntil`)
 * is refused without being counted: the client gets less through while it keeps hammering.
 * @example const runs = await simulatePenalties({ limit: 10, windowMs: 1000 })
 */
export async function simulatePenalties({ limit, windowMs }: NominalRate): Promise<PenaltyRun[]> {
  const gapMs = windowMs / (2 * limit)
  const offered = Math.round(20_000 / gapMs)
  const runs: PenaltyRun[] = []
  for (const { label, options } of SETUPS) {
    let now = SIMULATION_START_MS
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: 100 }),
      algorithm: gcra({ rate: limit, period: windowMs }),
      clock: () => now,
      ...options,
    })
    let row = ''
    let admitted = 0
    // One character per 4 requests keeps the row short: █ if any of the four got through.
    let group = 0
    let blocked = false
    for (let i = 0; i < offered; i++) {
      now = SIMULATION_START_MS + Math.round(i * gapMs)
      const d = await limiter.limit('client')
      if (d.allowed) admitted++
      if (d.allowed) group++
      if (d.blockedUntil !== undefined) blocked = true
      if (i % 4 === 3) {
        row += group > 0 ? '█' : blocked ? '▒' : '·'
        group = 0
        blocked = false
      }
    }
    runs.push({ label, admitted, offered, row })
  }
  return runs
}

/** The section printed after the algorithms. */
export function renderPenalties(runs: readonly PenaltyRun[], style: Style): string {
  return [
    style.bold('━━ Penalties: a client retrying at twice the rate for 20 s (gcra at the nominal rate)'),
    style.dim('   █ admitted  · refused by the limit  ▒ blocked (refused unevaluated, counting nothing)'),
    ...runs.flatMap((r) => [`  ${r.label}`, `    ${r.row}  ${r.admitted} of ${r.offered} admitted`]),
  ].join('\n')
}
