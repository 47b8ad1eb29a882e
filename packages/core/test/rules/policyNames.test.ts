// Policy names of rules limiters: from the rules (keys, names, values the file gives), never from a request's values.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { createRateLimitCheck } from '../../src/entries/http.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Decision } from '../../src/index.ts'

const EMAIL = 'ann.smith@example.com'

const rules = parseRules(`domain: login
descriptors:
  - key: email
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: route
    value: /login
    descriptors:
      - key: email
        rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: account
    rate_limit: { unit: minute, requests_per_unit: 1, name: per-account }
  - key: ip
    rate_limit: { unit: minute, requests_per_unit: 1 }
    shadow_mode: true
`)

const request = {
  descriptors: [
    [{ key: 'email', value: EMAIL }],
    [
      { key: 'route', value: '/login' },
      { key: 'email', value: EMAIL },
    ],
    [{ key: 'account', value: EMAIL }],
    [{ key: 'ip', value: '192.0.2.7' }],
  ],
}

/** Every name a decision shows: what headers and bodies are made of. */
const names = (decision: Decision) => [
  decision.policy,
  ...decision.policies.map((p) => p.policy),
  ...(decision.limits ?? []).map((l) => l.name),
  ...(decision.shadow ?? []).map((p) => p.policy),
]

describe('policy names never carry a request value', () => {
  it('unnamed per-value rules are named by their keys; a named rule by its name; a value the file gives may show', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => 1_000_000 })
    await limiter.limit(request)
    const denied = await limiter.limit(request)
    expect(denied.allowed).toBe(false)
    expect(denied.policies.map((p) => p.policy)).toEqual(['email', 'route_/login.email', 'per-account'])
    expect(denied.shadow?.map((p) => p.policy)).toEqual(['ip'])
    expect(denied.policy).toBe('email')
    for (const name of names(denied)) {
      expect(name).not.toContain('ann.smith')
      expect(name).not.toContain('192.0.2.7')
    }
  })

  it('two descriptors of one request under the same rule are told apart by their place, not their values', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const decision = await limiter.limit({
      descriptors: [
        [{ key: 'email', value: EMAIL }],
        [{ key: 'account', value: 'a' }],
        [{ key: 'email', value: 'bob@example.com' }],
      ],
    })
    expect(decision.policies.map((p) => p.policy)).toEqual(['email[0]', 'per-account', 'email[2]'])
  })

  it('headers and the 429 body through the HTTP kit show the names, not the e-mail address', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const spec = { factory: 'rateLimit', clientAddress: () => '192.0.2.7', clientAddressSource: 'test' }
    const { check } = createRateLimitCheck(
      { limiter, descriptors: () => request.descriptors, headers: 'both' },
      spec,
    )
    const first = await check({})
    expect(first.action).toBe('allow')
    const second = await check({})
    expect(second.action).toBe('limit')
    if (second.action !== 'limit') return
    const headers = second.headers.map(([name, value]) => `${name}: ${value}`).join('\n')
    expect(headers).toContain(
      'RateLimit-Policy: "email";q=1;w=60, "route_/login.email";q=1;w=60, "per-account";q=1;w=60',
    )
    expect(second.limited.problem['violated-policies']).toEqual([
      'email',
      'route_/login.email',
      'per-account',
    ])
    for (const text of [headers, second.limited.body]) {
      expect(text).not.toContain('ann.smith')
      expect(text).not.toContain(encodeURIComponent(EMAIL))
      expect(text).not.toContain('192.0.2.7')
    }
  })
})
