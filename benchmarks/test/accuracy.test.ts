/**
 * The accuracy study on a small trace: the trace is reproducible from its seed and well formed, and
 * what the study counts holds together (the exact log never over-admits; fixed window's boundary
 * burst stays within twice the limit and shows on this bursty trace).
 */
import { describe, expect, it } from 'vitest'
import { LIMIT, study, traceOptions } from '../src/accuracy/study.ts'
import { forEachSource, type TraceOptions } from '../src/accuracy/trace.ts'

const small: TraceOptions = { ...traceOptions(true), sources: 3_000 }

function fingerprint(options: TraceOptions): { requests: number; sum: number } {
  let requests = 0
  let sum = 0
  forEachSource(options, (source) => {
    requests += source.length
    for (let i = 0; i < source.length; i++) sum = (sum + (source.times[i] as number)) % 1_000_000_007
  })
  return { requests, sum }
}

describe('accuracy trace', () => {
  it('is the same for the same seed and different for another', () => {
    expect(fingerprint(small)).toEqual(fingerprint(small))
    expect(fingerprint({ ...small, seed: small.seed + 1 })).not.toEqual(fingerprint(small))
  })

  it('gives each source ascending whole-millisecond times inside the trace', () => {
    const end = small.startMs + small.durationMs
    const bad: string[] = []
    forEachSource(small, (source, s) => {
      for (let i = 0; i < source.length; i++) {
        const t = source.times[i] as number
        const previous = i > 0 ? (source.times[i - 1] as number) : small.startMs
        if (!Number.isInteger(t) || t < previous || t >= end) bad.push(`source ${s}, request ${i}: ${t}`)
      }
    })
    expect(bad.slice(0, 5)).toEqual([])
  })
})

describe('accuracy study', () => {
  const { totals, tallies, shadows } = study(small)

  it('counts every request once per algorithm and only near the limit', () => {
    expect(totals.requests).toBeGreaterThan(10_000)
    expect(totals.truthAdmitted).toBeLessThan(totals.requests)
    for (const t of Object.values(tallies)) {
      expect(t.admitted).toBeLessThanOrEqual(totals.requests)
      expect(t.wronglyAllowed + t.wronglyDenied).toBeLessThan(totals.requests)
      // Only a request of a source the log denied at least once can be wrongly allowed.
      expect(t.wronglyAllowed).toBeLessThanOrEqual(t.contestedWrong)
    }
  })

  it('finds the fixed window boundary burst, within twice the limit', () => {
    expect(tallies.fixedWindow.maxInWindow).toBeGreaterThan(LIMIT)
    expect(tallies.fixedWindow.maxInWindow).toBeLessThanOrEqual(2 * LIMIT)
    expect(tallies.fixedWindow.excess).toBeGreaterThan(0)
  })

  it('finds the sliding window counter close to the log but not equal', () => {
    const policy = tallies.slidingWindow.wronglyAllowed + tallies.slidingWindow.wronglyDenied
    const estimate = shadows.slidingWindow.wronglyAllowed + shadows.slidingWindow.wronglyDenied
    expect(policy).toBeGreaterThan(0)
    expect(estimate).toBeGreaterThan(0)
    // The counter over-admits far less than fixed window does.
    expect(tallies.slidingWindow.excess).toBeLessThan(tallies.fixedWindow.excess)
  })
})
