// `pnpm demo --explain`: the flag, and each request's explanation from the limiter's decision events.
import { describe, expect, it } from 'vitest'
import { sameRateContenders } from '../src/algorithms.ts'
import { parseExplain, renderExplanations } from '../src/explain.ts'
import { simulate } from '../src/simulation.ts'
import { PLAIN } from '../src/terminalReport.ts'
import { trafficPatterns } from '../src/trafficPatterns.ts'

describe('--explain', () => {
  it('takes no value (every algorithm) or one of the six labels; anything else is refused', () => {
    expect(parseExplain([])).toBe(undefined)
    expect(parseExplain(['--explain'])).toBe('all')
    expect(parseExplain(['--simulated-only', '--explain=gcra'])).toBe('gcra')
    expect(parseExplain(['--explain=nope'])).toBe(null)
  })

  it('explains every request, and the explanation agrees with the outcome', async () => {
    const bursts = trafficPatterns().find((p) => p.id === 'burst')
    const fixed = sameRateContenders().find((c) => c.label === 'fixedWindow')
    if (bursts === undefined || fixed === undefined) throw new Error('pattern or algorithm missing')
    const outcomes = await simulate(bursts, fixed)
    expect(outcomes).toHaveLength(bursts.arrivalsMs.length)
    for (const o of outcomes) {
      expect(o.explanation).toMatch(/^fixed window client: window \S+–\S+, count \d+\/10, cost 1 → /)
      expect(o.explanation).toContain(o.allowed ? '→ allowed' : '→ denied')
    }
    expect(outcomes[10]?.explanation).toContain('count 10/10, cost 1 → denied, resets in 1 s')
    const text = renderExplanations({ pattern: bursts, runs: [{ contender: fixed, outcomes }] }, 'all', PLAIN)
    expect(text.split('\n')).toHaveLength(outcomes.length + 1)
    expect(
      renderExplanations({ pattern: bursts, runs: [{ contender: fixed, outcomes }] }, 'gcra', PLAIN),
    ).toBe('')
  })
})
