import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules, watchRules } from '../../src/entries/yaml.ts'
import { ConfigError, createRateLimiter, UnsupportedAlgorithmError } from '../../src/index.ts'

const text = `domain: api
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: ip
    rate_limit: { unit: minute, requests_per_unit: 2 }
    shadow_mode: true
`
const user = { descriptors: [[{ key: 'user', value: '1' }], [{ key: 'ip', value: 'a' }]] }

describe('the rules limiter API', () => {
  it('peek takes nothing; reset forgets every matched counter, shadow ones included', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: parseRules(text),
      clock: () => 1_000_000,
    })
    expect((await limiter.peek(user)).remaining).toBe(3)
    await limiter.limit(user, { cost: 2 })
    const peeked = await limiter.peek(user)
    expect(peeked).toMatchObject({ remaining: 1 })
    expect(peeked.shadow?.[0]?.remaining).toBe(0)
    expect((await limiter.peek(user, { cost: 2 })).allowed).toBe(false)
    await limiter.reset(user)
    const fresh = await limiter.peek(user)
    expect(fresh.remaining).toBe(3)
    expect(fresh.shadow?.[0]?.remaining).toBe(2)
  })

  it('setRules refuses rules the store cannot run, and keeps the set in force', async () => {
    const store = referenceStore({ algorithms: ['fixedWindow'], composite: true })
    const limiter = createRateLimiter({ store, rules: parseRules(text) })
    const before = limiter.rules
    const gcraRules = parseRules(
      'domain: api\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, requests_per_unit: 3, algorithm: gcra }\n',
    )
    expect(() => limiter.setRules(gcraRules)).toThrow(UnsupportedAlgorithmError)
    expect(limiter.rules).toBe(before)
    // A plain object is validated and put in force like parsed rules.
    limiter.setRules({
      domain: 'other',
      descriptors: [{ key: 'user', rate_limit: { unit: 'hour', requests_per_unit: 9 } }],
    })
    expect(limiter.rules.domain).toBe('other')
    expect((await limiter.limit(user)).limit).toBe(9)
  })

  it('watchRules rejects bad arguments with a ConfigError', () => {
    expect(() => watchRules('', () => {})).toThrow(ConfigError)
    expect(() => watchRules('/nonexistent-folder-sluice/rules.yaml', () => {})).toThrow(
      /cannot watch the folder/,
    )
    expect(() => watchRules('rules.yaml', 'x' as never)).toThrow(/give a rules limiter .* or a function/)
  })
})
