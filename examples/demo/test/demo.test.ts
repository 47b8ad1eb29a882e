import { beforeAll, describe, expect, it } from 'vitest'
import { NOMINAL_RATE, sameRateContenders } from '../src/algorithms.ts'
import { renderHtmlReport } from '../src/htmlReport.ts'
import { busiestWindow, departures, idealAdmissions, queuedDepartureGaps, summarize } from '../src/metrics.ts'
import { observations } from '../src/observations.ts'
import { type PatternRun, simulate, simulateAll } from '../src/simulation.ts'
import { measureStateSize, type StateSizeReport } from '../src/stateSize.ts'
import { COLOUR, PLAIN, renderPattern, styleFor } from '../src/terminalReport.ts'
import { arrivalCells } from '../src/timeline.ts'
import { trafficPatterns } from '../src/trafficPatterns.ts'

const { limit, windowMs } = NOMINAL_RATE
const contenders = sameRateContenders()
const patterns = trafficPatterns()
let results: PatternRun[]

const runOf = (patternId: string, label: string) => {
  const run = results.find((r) => r.pattern.id === patternId)?.runs.find((r) => r.contender.label === label)
  if (run === undefined) throw new Error(`no run of ${label} on ${patternId}`)
  return run
}
const admittedTimes = (patternId: string, label: string) =>
  runOf(patternId, label)
    .outcomes.filter((o) => o.allowed)
    .map((o) => o.arrivalMs)

beforeAll(async () => {
  results = await simulateAll(patterns, contenders)
})

describe('the yardsticks', () => {
  it('ideal admits exactly when fewer than limit were admitted in (t − window, t]', () => {
    const rate = { limit: 2, windowMs: 1000 }
    expect(idealAdmissions([0, 10, 20, 1000, 1005, 1010], rate)).toEqual([
      true,
      true,
      false,
      true,
      false,
      true,
    ])
  })

  it('busiestWindow finds the most times in any [s, s + span) and the tightest such group', () => {
    expect(busiestWindow([0, 100, 900, 1000, 1001], 1000)).toEqual({ count: 4, firstMs: 100, lastMs: 1001 })
    expect(busiestWindow([5, 5, 5], 1)).toEqual({ count: 3, firstMs: 5, lastMs: 5 })
  })
})

describe('the simulation', () => {
  it('admits everything under the limit, with every algorithm', () => {
    for (const { contender } of results[0]?.runs ?? []) {
      expect(admittedTimes('steady-under', contender.label)).toHaveLength(
        patterns[0]?.arrivalsMs.length ?? -1,
      )
    }
  })

  it('lets fixed window admit 2× the limit within the burst straddling the boundary', () => {
    const peak = busiestWindow(admittedTimes('boundary', 'fixedWindow'), 200)
    expect(peak.count).toBe(2 * limit)
    expect(peak.firstMs).toBeLessThan(windowMs)
    expect(peak.lastMs).toBeGreaterThanOrEqual(windowMs)
  })

  it('never lets the sliding log exceed the limit in any window, and matches the ideal on every pattern', () => {
    for (const pattern of patterns) {
      expect(busiestWindow(admittedTimes(pattern.id, 'slidingLog'), windowMs).count).toBeLessThanOrEqual(
        limit,
      )
      const decisions = runOf(pattern.id, 'slidingLog').outcomes.map((o) => o.allowed)
      expect(decisions, pattern.id).toEqual(idealAdmissions(pattern.arrivalsMs, NOMINAL_RATE))
    }
  })

  it('spaces the leaky bucket’s delayed requests by the leak interval, so its output keeps the rate', () => {
    const leakIntervalMs = windowMs / limit
    for (const pattern of patterns) {
      const { outcomes } = runOf(pattern.id, 'leakyBucket')
      for (const gap of queuedDepartureGaps(outcomes)) expect(gap).toBe(leakIntervalMs)
      expect(busiestWindow(departures(outcomes), windowMs).count).toBeLessThanOrEqual(limit)
    }
    // A burst on an idle bucket: one leaves now, `capacity` wait their turn, the rest are denied.
    const burst = runOf('burst', 'leakyBucket').outcomes.slice(0, 2 * limit)
    expect(burst.filter((o) => o.allowed).map((o) => o.delayMs)).toEqual(
      Array.from({ length: limit + 1 }, (_, k) => k * leakIntervalMs),
    )
  })

  it('gives the other algorithms no delay', () => {
    for (const run of results.flatMap((r) => r.runs)) {
      if (run.contender.label !== 'leakyBucket') expect(run.outcomes.every((o) => o.delayMs === 0)).toBe(true)
    }
  })

  it('starts each run from a fresh store, so a run repeats exactly', async () => {
    const pattern = patterns.find((p) => p.id === 'steady-over')
    const contender = contenders.find((c) => c.label === 'tokenBucket')
    if (pattern === undefined || contender === undefined) throw new Error('missing fixture')
    expect(await simulate(pattern, contender)).toEqual(await simulate(pattern, contender))
  })
})

describe('what the demo says', () => {
  it('states the boundary burst it computed', () => {
    const run = results.find((r) => r.pattern.id === 'boundary') as PatternRun
    const notes = observations(
      run,
      run.runs.map((r) => summarize(r, run.pattern, NOMINAL_RATE)),
      NOMINAL_RATE,
    )
    expect(notes.join('\n')).toMatch(
      /fixedWindow admitted 20 within 190 ms across the window boundary at 1\.00 s/,
    )
    expect(notes.join('\n')).toMatch(/= 2\.0× the limit/)
  })

  it('classifies timeline slices by their arrivals', () => {
    const at = (arrivalMs: number, allowed: boolean) => ({
      arrivalMs,
      allowed,
      delayMs: 0,
      retryAfterMs: 0,
      remaining: 0,
    })
    const cells = arrivalCells([at(0, true), at(150, true), at(160, false), at(250, false)], 100, 4)
    expect(cells).toEqual(['admitted', 'mixed', 'denied', 'idle'])
  })

  it('colours only a terminal, and never when NO_COLOR is set', () => {
    expect(styleFor({ isTTY: true }, {})).toBe(COLOUR)
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(PLAIN)
    expect(styleFor({ isTTY: false }, {})).toBe(PLAIN)
    const plain = renderPattern(results[1] as PatternRun, 2, 5, NOMINAL_RATE, PLAIN)
    expect(plain).not.toContain('\x1b[')
    expect(renderPattern(results[1] as PatternRun, 2, 5, NOMINAL_RATE, COLOUR)).toContain('\x1b[')
  })

  it('writes a self-contained HTML report with inline SVG charts', () => {
    const sizes: StateSizeReport = {
      keys: 10,
      sizes: contenders.map((c) => ({ label: c.label, oneRequest: 100, atLimit: 200, fullBurst: 10 })),
      method: 'a test <fixture>',
      exact: true,
    }
    const html = renderHtmlReport(results, sizes, contenders, NOMINAL_RATE)
    expect(html.startsWith('<!doctype html>')).toBe(true)
    // Per pattern one chart per algorithm and a remaining-budget chart; the retry-after and memory charts.
    expect(html.match(/<svg/g)).toHaveLength(patterns.length * (contenders.length + 1) + 2)
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i)
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i)
    expect(html).toContain('a test &lt;fixture&gt;')
  })
})

describe('state size', () => {
  it('measures more bytes per key for a full sliding log than for GCRA', async () => {
    const pick = contenders.filter((c) => c.label === 'slidingLog' || c.label === 'gcra')
    const report = await measureStateSize(pick, { keys: 10_000 })
    const [log, gcra] = report.sizes
    expect(log?.label).toBe('slidingLog')
    for (const size of report.sizes) {
      expect(size.oneRequest).toBeGreaterThan(20)
      expect(size.atLimit).toBeLessThan(2000)
    }
    // 9 more timestamps are at least 72 bytes; allow for measurement noise.
    expect((log?.atLimit ?? 0) - (gcra?.atLimit ?? 0)).toBeGreaterThan(40)
    expect(report.method).toContain('10,000 keys')
  }, 120_000)
})
