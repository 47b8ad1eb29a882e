// The admitted shortcut of a header formatter sends exactly what planning the response would.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Algorithm, LimitDecision } from '../../src/algorithm.ts'
import { combine } from '../../src/combine.ts'
import { type HeaderMode, headerFormatter, type PolicyInfo } from '../../src/http/headers.ts'
import { planResponse } from '../../src/http/policies.ts'

const NOW = 1_700_000_000_250 // epoch ms, deliberately not on a second

/** One admitting limit's numbers: whatever a store may report, including odd ones. */
const admitting: fc.Arbitrary<LimitDecision> = fc.record({
  allowed: fc.constant(true),
  limit: fc.integer({ min: 1, max: 2 ** 40 }),
  remaining: fc.oneof(fc.integer({ min: -5, max: 2 ** 40 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
  resetAfterMs: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e9, noNaN: true })),
  retryAfterMs: fc.constant(0),
  delayMs: fc.constant(0),
})

const modes = fc.constantFrom<HeaderMode>('draft-10', 'legacy', 'both')

describe('HeaderFormatter.admitted', () => {
  it('equals format() of the planned response for every admitted decision that waits for nothing', () => {
    fc.assert(
      fc.property(fc.array(admitting, { minLength: 1, maxLength: 4 }), modes, (limits, mode) => {
        const algorithms = limits.map((d, i) => ({ name: `p${i}`, limit: d.limit, windowMs: 60_000 }))
        const decision = combine(algorithms as unknown as Algorithm[], limits)
        const policies: PolicyInfo[] = algorithms.map((a) => ({
          name: a.name,
          quota: a.limit,
          windowMs: a.windowMs,
        }))
        const f = headerFormatter(mode, policies)
        const plan = planResponse(decision, 0, 1)
        expect(plan.refused).toBe(false)
        expect(f.admitted(decision, NOW)).toEqual(f.format(plan.status, plan.headline, NOW))
      }),
      { numRuns: 2000 },
    )
  })

  it('a single policy reads the decision itself: 99 left, 41.2 s to go', () => {
    const f = headerFormatter('both', [{ name: 'api', quota: 100, windowMs: 60_000 }])
    const decision = combine(
      [{ name: 'api' } as Algorithm],
      [{ allowed: true, limit: 100, remaining: 99, resetAfterMs: 41_200, retryAfterMs: 0, delayMs: 0 }],
    )
    expect(f.admitted(decision, NOW)).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60'],
      ['RateLimit', '"api";r=99;t=42'],
      ['X-RateLimit-Limit', '100'],
      ['X-RateLimit-Remaining', '99'],
      ['X-RateLimit-Reset', String(Math.ceil((NOW + 41_200) / 1000))],
    ])
  })
})
