// Refunds on a rules limiter: a decision gives back to its matched limits, a request by cost.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Decision } from '../../src/index.ts'

const T0 = 1_700_000_000_000
const refund = (d: Decision) => (d.refund as () => Promise<boolean>)()

describe('refunds on a rules limiter', () => {
  const rules = parseRules(`domain: api
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: ip
    rate_limit: { unit: minute, requests_per_unit: 2 }
    shadow_mode: true
  - key: blocked
    rate_limit: { unit: minute, requests_per_unit: 0 }
`)
  const user = { descriptors: [[{ key: 'user', value: '1' }], [{ key: 'ip', value: 'a' }]] }

  it('a decision gives back to its matched limits; shadow ones keep their count', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => T0 })
    const taken = await limiter.limit(user, { cost: 2 })
    expect(taken.remaining).toBe(1)
    expect(await refund(taken)).toBe(true)
    const peeked = await limiter.peek(user)
    expect(peeked.remaining).toBe(3)
    expect(peeked.shadow?.[0]?.remaining).toBe(0)
    expect(await limiter.refund(taken)).toBe(false)
  })

  it('refund(request, { cost }) and a blocked rule’s refusal', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => T0 })
    await limiter.limit(user, { cost: 3 })
    expect(await limiter.refund(user, { cost: 2 })).toBe(true)
    expect((await limiter.peek(user)).remaining).toBe(2)
    await expect(limiter.refund(user, { cost: 4 })).rejects.toThrow(/admit at most 3/)
    const blocked = await limiter.limit({ descriptors: [[{ key: 'blocked', value: 'x' }]] })
    expect(blocked.allowed).toBe(false)
    expect(await refund(blocked)).toBe(false)
  })
})
