import { describe, expect, it } from 'vitest'
import { NOMINAL_RATE } from '../src/algorithms.ts'
import { type PenaltyRun, renderPenalties, simulatePenalties } from '../src/penalties.ts'
import { PLAIN } from '../src/terminalReport.ts'

describe('the penalties section', () => {
  it('a block lets a hammering client through less, escalation less still; blocked rows show ▒', async () => {
    const runs: PenaltyRun[] = await simulatePenalties(NOMINAL_RATE)
    expect(runs.map((r) => r.offered)).toStrictEqual([400, 400, 400])
    const [plain, blocked, escalated] = runs.map((r) => r.admitted) as [number, number, number]
    // gcra alone admits its burst, then one request in two: what the same run gave when written.
    expect(plain).toBe(209)
    expect(blocked).toBeLessThan(plain)
    expect(escalated).toBeLessThan(blocked)
    expect(runs[0]?.row).not.toContain('▒')
    expect(runs[1]?.row).toContain('▒')
    const text = renderPenalties(runs, PLAIN)
    expect(text).toContain("blockDuration: '2s'")
    expect(text).toContain('76 of 400 admitted')
  })
})
