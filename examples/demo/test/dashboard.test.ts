// The report's dashboard: remaining budget per key and retry-after per algorithm, from decision events on the simulated (frozen) clock.
import { beforeAll, describe, expect, it } from 'vitest'
import { NOMINAL_RATE, sameRateContenders } from '../src/algorithms.ts'
import { bucketNames, remainingSteps, retryAfterSpread } from '../src/dashboard.ts'
import { renderHtmlReport } from '../src/htmlReport.ts'
import { type PatternRun, simulateAll } from '../src/simulation.ts'
import type { StateSizeReport } from '../src/stateSize.ts'
import { trafficPatterns } from '../src/trafficPatterns.ts'

const { limit } = NOMINAL_RATE
const contenders = sameRateContenders()
const burst = trafficPatterns().filter((p) => p.id === 'burst')
let results: PatternRun[]

const outcomesOf = (label: string) =>
  results[0]?.runs.find((r) => r.contender.label === label)?.outcomes ?? []

beforeAll(async () => {
  // `limit` × 2 requests in one millisecond at 0 ms and at 1500 ms, each decided at its simulated instant.
  results = await simulateAll(burst, contenders)
})

describe('the dashboard', () => {
  it('follows the key’s remaining budget from the events: fixed window counts down to 0 in each window', () => {
    const outcomes = outcomesOf('fixedWindow')
    expect(outcomes.every((o) => o.key === 'client')).toBe(true)
    // Window [0, 1000): limit admitted (limit − 1 … 0 left), then limit denied (0 left); the same in [1000, 2000).
    const countdown = [
      ...Array.from({ length: limit }, (_, k) => limit - 1 - k),
      ...Array<number>(limit).fill(0),
    ]
    expect(outcomes.map((o) => o.remaining)).toEqual([...countdown, ...countdown])
    const steps = remainingSteps(outcomes, 3000)
    expect(steps[0]).toEqual([0, limit - 1])
    expect(steps.at(-1)).toEqual([3000, 0])
    // Each decision after the first adds a corner at the old value and one at the new.
    expect(steps).toHaveLength(1 + 2 * (outcomes.length - 1) + 1)
  })

  it('bins the retry-after of denials: fixed window says 1000 ms at 0 s and 500 ms at 1.5 s', () => {
    const spread = retryAfterSpread(outcomesOf('fixedWindow'))
    expect(spread.denied).toBe(2 * limit)
    expect(bucketNames()).toEqual(['≤ 100 ms', '≤ 250 ms', '≤ 500 ms', '≤ 1000 ms', '> 1000 ms'])
    expect(spread.counts).toEqual([0, 0, limit, limit, 0])
    expect(spread.medianMs).toBe(500)
    expect(spread.maxMs).toBe(1000)
    // GCRA frees one request per emission interval (100 ms): every denial may retry within it.
    const gcra = retryAfterSpread(outcomesOf('gcra'))
    expect(gcra.counts[0]).toBe(gcra.denied)
    expect(gcra.maxMs).toBeLessThanOrEqual(NOMINAL_RATE.windowMs / limit)
  })

  it('puts one remaining-budget line per algorithm and key, and the retry-after table, into the HTML report', () => {
    const sizes: StateSizeReport = {
      keys: 10,
      sizes: contenders.map((c) => ({ label: c.label, oneRequest: 100, atLimit: 200, fullBurst: 10 })),
      method: 'fixture',
      exact: true,
    }
    const html = renderHtmlReport(results, sizes, contenders, NOMINAL_RATE)
    expect(html).toContain('<h2>Dashboard: from the decision events</h2>')
    expect(html).toContain('<title>Bursts: remaining budget</title>')
    for (const c of contenders) {
      expect(html).toContain(`<title>${c.label} · client: remaining after each decision</title>`)
    }
    // The fixed window's row: 20 denied, 10 at ≤ 500 ms, 10 at ≤ 1000 ms, median 500 ms, longest 1000 ms.
    expect(html).toContain(
      `<tr data-retry-after="fixedWindow"><td>fixedWindow</td><td>${2 * limit}</td><td>0</td><td>0</td><td>${limit}</td><td>${limit}</td><td>0</td><td>500 ms</td><td>1000 ms</td></tr>`,
    )
    // One chart per pattern for the budget and one for retry-after, besides the pattern charts and the memory chart.
    expect(html.match(/<svg/g)).toHaveLength(burst.length * contenders.length + burst.length + 1 + 1)
  })
})
