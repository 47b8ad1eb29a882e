// Charges on a rules limiter: the matched limits, not the shadow ones; a request that matches none.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Decision } from '../../src/index.ts'

const T0 = 1_700_000_000_000
const charge = (d: Decision, cost: unknown) => (d.charge as (cost: unknown) => Promise<Decision>)(cost)

describe('charges on a rules limiter', () => {
  const rules = parseRules(`domain: llm
descriptors:
  - key: org
    rate_limit: { unit: minute, requests_per_unit: 10 }
  - key: ip
    rate_limit: { unit: minute, requests_per_unit: 2 }
    shadow_mode: true
`)
  const org = { descriptors: [[{ key: 'org', value: '7' }], [{ key: 'ip', value: 'a' }]] }

  it('a rules limiter charges the matched limits, not its shadow ones, and says which', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => T0 })
    const taken = await limiter.limit(org)
    const after = await limiter.charge(org, { cost: 30 })
    expect(after).toMatchObject({ allowed: false, remaining: 0 })
    expect(after.limits).toHaveLength(1)
    expect(await charge(taken, 1)).toMatchObject({ allowed: false })
    expect((await limiter.peek(org)).shadow?.[0]?.remaining).toBe(1)
    const none = await limiter.charge({ descriptors: [[{ key: 'other', value: 'x' }]] }, { cost: 1 })
    expect(none.allowed).toBe(true)
  })
})
