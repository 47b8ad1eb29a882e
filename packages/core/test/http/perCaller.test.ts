// Bindings over a limiter that picks its limits per caller: headers name the picked plan's limits.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { createRateLimitCheck, type RateLimitOutcome } from '../../src/entries/http.ts'
import { ConfigError, createRateLimiter, fixedWindow } from '../../src/index.ts'

interface Req {
  ip: string
}
const spec = { factory: 'rateLimit', clientAddress: (req: Req) => req.ip, clientAddressSource: 'req.ip' }
/** A still clock: on the real one a request either side of a window boundary counts afresh. */
const clock = () => 1_699_999_998_000
// The plan comes from the key (an API key, an address range): a binding passes no context.
const PLANS = {
  partner: fixedWindow({ limit: 3, window: '1m', name: 'partner' }),
  anonymous: fixedWindow({ limit: 1, window: '1m', name: 'anonymous' }),
}
const limiter = () =>
  createRateLimiter({
    store: referenceStore(),
    clock,
    algorithm: ({ key }) => (key.startsWith('198.51.100.') ? PLANS.partner : PLANS.anonymous),
  })

function headersOf(outcome: RateLimitOutcome) {
  expect(outcome.action === 'allow' || outcome.action === 'limit').toBe(true)
  return (outcome as { headers: readonly (readonly [string, string])[] }).headers
}

describe('a binding over per-caller limits', () => {
  it("answers each client under its own plan, headers naming that plan's limit", async () => {
    const { check } = createRateLimitCheck({ limiter: limiter() }, spec)
    const partner = await check({ ip: '198.51.100.7' })
    expect(partner.action).toBe('allow')
    expect(headersOf(partner)[0]).toEqual(['RateLimit-Policy', '"partner";q=3;w=60'])
    expect((await check({ ip: '203.0.113.9' })).action).toBe('allow')
    const refused = await check({ ip: '203.0.113.9' })
    expect(refused.action).toBe('limit')
    expect(headersOf(refused)[0]).toEqual(['RateLimit-Policy', '"anonymous";q=1;w=60'])
    expect((await check({ ip: '198.51.100.7' })).action).toBe('allow')
  })

  it('refuses policyName, which names one set of limits', () => {
    expect(() => createRateLimitCheck({ limiter: limiter(), policyName: 'api' }, spec)).toThrow(ConfigError)
    expect(() => createRateLimitCheck({ limiter: limiter(), policyName: 'api' }, spec)).toThrow(
      /picks its limits per caller; name each limit instead/,
    )
  })
})
