import { describe, expect, it } from 'vitest'
import { secondsUp } from '../../src/http/headers.ts'
import { describePolicies, planResponse } from '../../src/http/policies.ts'
import { QUOTA_EXCEEDED_TYPE, quotaExceededProblem, refusalHeaders } from '../../src/http/problem.ts'
import {
  ConfigError,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  type PolicyDecision,
} from '../../src/index.ts'

function policy(p: Partial<PolicyDecision> & { policy: string }): PolicyDecision {
  return { allowed: true, limit: 10, remaining: 5, resetAfterMs: 1000, retryAfterMs: 0, delayMs: 0, ...p }
}

function decision(policies: PolicyDecision[], top: Partial<Decision> = {}): Decision {
  const allowed = policies.every((p) => p.allowed)
  const first = policies[0] as PolicyDecision
  return {
    ...first,
    allowed,
    delayMs: allowed ? policies.reduce((most, p) => Math.max(most, p.delayMs), 0) : 0,
    retryAfterMs: allowed ? 0 : policies.reduce((most, p) => Math.max(most, p.retryAfterMs), 0),
    policies,
    ...top,
  }
}

describe('describePolicies', () => {
  const perSecond = fixedWindow({ limit: 10, window: '1s', name: 'perSecond' })
  const perHour = fixedWindow({ limit: 1000, window: '1h', name: 'perHour' })

  it("uses each limit's name, quota and window", () => {
    expect(describePolicies([gcra({ rate: 30, period: '1m', burst: 16 })], undefined)).toEqual([
      { name: 'gcra:30/1m', quota: 16, windowMs: 32_000 },
    ])
  })

  it('policyName names a single limit, and prefixes each limit of a composite', () => {
    expect(describePolicies([perSecond], 'login').map((p) => p.name)).toEqual(['login'])
    expect(describePolicies([perSecond, perHour], 'api').map((p) => p.name)).toEqual([
      'api:perSecond',
      'api:perHour',
    ])
  })

  it('makes names ASCII', () => {
    expect(describePolicies([perSecond], 'connexión')[0]?.name).toBe('connexi%C3%B3n')
  })

  it('refuses two limits with one name', () => {
    const twin = fixedWindow({ limit: 5, window: '1m', name: 'perSecond' })
    expect(() => describePolicies([perSecond, twin], undefined)).toThrow(ConfigError)
    expect(() => describePolicies([perSecond, twin], undefined)).toThrow(/both named "perSecond"/)
  })

  it('leaky bucket advertises capacity + 1 over the time to drain it', () => {
    const lb = leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 })
    expect(describePolicies([lb], 'shape')).toEqual([{ name: 'shape', quota: 3, windowMs: 3000 }])
  })
})

describe('planResponse', () => {
  it('admitted: t = resetAfterMs, the headline is the policy with least left', () => {
    const plan = planResponse(
      decision([
        policy({ policy: 'a', remaining: 7, resetAfterMs: 900 }),
        policy({ policy: 'b', remaining: 3, resetAfterMs: 50_000 }),
      ]),
      Number.POSITIVE_INFINITY,
    )
    expect(plan).toMatchObject({
      refused: false,
      headline: 1,
      violated: [],
      retryAfterSeconds: 0,
      delayMs: 0,
    })
    expect(plan.status).toEqual([
      { remaining: 7, resetMs: 900 },
      { remaining: 3, resetMs: 50_000 },
    ])
  })

  it('denied: a refusing policy sends t = its retry wait, Retry-After = the largest such t', () => {
    const plan = planResponse(
      decision([
        policy({ policy: 'burst', allowed: false, remaining: 0, resetAfterMs: 60_000, retryAfterMs: 1_200 }),
        policy({
          policy: 'hour',
          allowed: false,
          remaining: 0,
          resetAfterMs: 3_000_000,
          retryAfterMs: 41_001,
        }),
        policy({ policy: 'day', remaining: 500, resetAfterMs: 80_000_000 }),
      ]),
      Number.POSITIVE_INFINITY,
    )
    expect(plan).toMatchObject({ refused: true, reason: 'quota', headline: 1, violated: [0, 1] })
    expect(plan.status).toEqual([
      { remaining: 0, resetMs: 1_200 },
      { remaining: 0, resetMs: 41_001 },
      { remaining: 500, resetMs: 80_000_000 },
    ])
    expect(plan.retryAfterSeconds).toBe(42)
    for (const i of plan.violated) {
      expect(plan.retryAfterSeconds).toBeGreaterThanOrEqual(secondsUp(plan.status[i]?.resetMs as number))
    }
  })

  it('Retry-After is at least 1 s', () => {
    const plan = planResponse(
      decision([policy({ policy: 'a', allowed: false, remaining: 0, retryAfterMs: 0 })]),
      Number.POSITIVE_INFINITY,
    )
    expect(plan.retryAfterSeconds).toBe(1)
  })

  it('shaping: a delay within maxDelayMs is kept for the binding to wait', () => {
    const plan = planResponse(decision([policy({ policy: 'q', delayMs: 1500, resetAfterMs: 2500 })]), 2000)
    expect(plan).toMatchObject({ refused: false, delayMs: 1500, retryAfterSeconds: 0 })
    expect(plan.status).toEqual([{ remaining: 5, resetMs: 2500 }])
  })

  it('shaping: a delay over maxDelayMs refuses, with t and Retry-After = the delay', () => {
    const plan = planResponse(
      decision([
        policy({ policy: 'other', remaining: 9, resetAfterMs: 100 }),
        policy({ policy: 'q', delayMs: 2001, resetAfterMs: 3000 }),
      ]),
      2000,
    )
    expect(plan).toMatchObject({ refused: true, reason: 'queue', headline: 1, violated: [1], delayMs: 0 })
    expect(plan.status[1]).toEqual({ remaining: 5, resetMs: 2001 })
    expect(plan.retryAfterSeconds).toBe(3)
  })

  it('maxDelayMs 0 never waits', () => {
    expect(planResponse(decision([policy({ policy: 'q', delayMs: 1 })]), 0).refused).toBe(true)
    expect(planResponse(decision([policy({ policy: 'q', delayMs: 0 })]), 0).refused).toBe(false)
  })
})

describe('the refusal response', () => {
  it('is an RFC 9457 problem with the violated policies', () => {
    expect(quotaExceededProblem({ status: 429, violated: ['login'], retryAfterSeconds: 42 })).toEqual({
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail: 'Quota exceeded for policy "login"; retry after 42 seconds.',
      'violated-policies': ['login'],
    })
    expect(
      quotaExceededProblem({ status: 503, violated: ['a', 'b'], retryAfterSeconds: 1, reason: 'queue' })
        .detail,
    ).toBe(
      'The queue of policies "a", "b" is longer than this server lets a request wait; retry after 1 second.',
    )
  })

  it('carries Retry-After and Cache-Control: no-store', () => {
    expect(refusalHeaders(7)).toEqual([
      ['Retry-After', '7'],
      ['Cache-Control', 'no-store'],
    ])
  })
})
