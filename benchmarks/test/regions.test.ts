/**
 * The regions simulation on a short run: it is deterministic (a seed and a virtual clock), the
 * central store is exact, independent limits under-admit a hot region, and local-first stays
 * within its bound with fewer store operations than decisions.
 */
import { describe, expect, it } from 'vitest'
import { central, independent, localFirst, replicated } from '../src/regions/strategies.ts'
import { HYBRID_BOUND, simulate } from '../src/regions/study.ts'

const DURATION_MS = 4000

describe('regions simulation', () => {
  it('gives the same figures on every run', async () => {
    const a = await simulate(localFirst(100), 'hot region', DURATION_MS)
    const b = await simulate(localFirst(100), 'hot region', DURATION_MS)
    expect(a).toEqual(b)
  })

  it('finds the central store exact, with one store call per decision and the round trip as latency', async () => {
    const o = await simulate(central, 'hot region', DURATION_MS)
    expect(o.over).toBe(0)
    expect(o.under).toBe(0)
    expect(o.opsPerDecision).toBe(1)
    expect(o.p50Ms).toBe(300)
  })

  it('finds independent limits refusing a hot region what the global limit allows', async () => {
    const o = await simulate(independent, 'hot region', DURATION_MS)
    expect(o.over).toBe(0)
    expect(o.under).toBeGreaterThan(0.2)
  })

  it('keeps local-first within its bound and under one store call per decision', async () => {
    for (const mix of ['uniform', 'hot region', 'failover'] as const) {
      const o = await simulate(localFirst(100), mix, DURATION_MS)
      expect(o.worstOver).toBeLessThanOrEqual(HYBRID_BOUND)
      expect(o.opsPerDecision).toBeLessThan(0.5)
      expect(o.p50Ms).toBeLessThan(100) // central: 160-300 ms
    }
  })

  it('finds the replicated model admitting past the limit while replication lags', async () => {
    const o = await simulate(replicated, 'uniform', DURATION_MS)
    expect(o.over).toBeGreaterThan(0)
    expect(o.p99Ms).toBe(1)
  })
})
