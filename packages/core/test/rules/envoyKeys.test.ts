import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, RulesError } from '../../src/index.ts'
import { UNSUPPORTED_KEYS } from '../../src/rules/unsupported.ts'
import { d, setup } from './envoyExamples.ts'

/** The RulesError that parsing `text` throws. */
function failure(text: string): RulesError {
  try {
    parseRules(text)
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError)
    return error as RulesError
  }
  throw new Error('parseRules accepted rules it should refuse')
}

describe("keys of the Envoy service's current format", () => {
  it('metadata: any mapping under a descriptor loads, is kept frozen on the rule, and changes no decision', async () => {
    // The shape of the service's own metadata test file.
    const rules = parseRules(`domain: test-domain
descriptors:
  - key: key1
    value: value1
    descriptors:
      - key: subkey1
        rate_limit: { unit: second, requests_per_unit: 5 }
        metadata:
          name: service_1
      - key: subkey1
        value: subvalue1
        rate_limit: { unit: second, requests_per_unit: 10 }
  - key: key2
    rate_limit: { unit: minute, requests_per_unit: 20 }
    metadata:
      service_with_quota:
        name: service_2
        tags: [a, 1, true, null]
`)
    const key2 = rules.descriptors[1]
    expect(key2?.metadata).toEqual({ service_with_quota: { name: 'service_2', tags: ['a', 1, true, null] } })
    expect(Object.isFrozen(key2?.metadata?.service_with_quota)).toBe(true)
    expect(rules.descriptors[0]?.descriptors[0]?.metadata).toEqual({ name: 'service_1' })
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const sub = {
      descriptors: [
        [
          { key: 'key1', value: 'value1' },
          { key: 'subkey1', value: 'x' },
        ],
      ],
    }
    expect(await limiter.limit(sub, { cost: 5 })).toMatchObject({ allowed: true, limit: 5 })
    expect((await limiter.limit({ descriptors: [[{ key: 'key2', value: 'y' }]] })).limit).toBe(20)
    expect(failure('domain: a\ndescriptors:\n  - key: k\n    metadata: [1]\n').message).toContain(
      'metadata must be a mapping',
    )
  })

  it('value_to_metric and detailed_metric load (true or false) and change no limit', async () => {
    const rules = parseRules(`domain: domain
descriptors:
  - key: route
    value_to_metric: true
    descriptors:
      - key: http_method
        value_to_metric: true
        detailed_metric: false
        descriptors:
          - key: subject_id
            rate_limit: { unit: minute, requests_per_unit: 60 }
`)
    expect(rules.descriptors[0]?.valueToMetric).toBe(true)
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const request = {
      descriptors: [
        [
          { key: 'route', value: 'api' },
          { key: 'http_method', value: 'GET' },
          { key: 'subject_id', value: '123' },
        ],
      ],
    }
    expect(await limiter.limit(request)).toMatchObject({
      limit: 60,
      remaining: 59,
      policy: 'route.http_method.subject_id',
    })
    expect(
      failure('domain: a\ndescriptors:\n  - key: k\n    value_to_metric: yes please\n').message,
    ).toContain('value_to_metric must be true or false')
  })

  it('keys sluice cannot honour are refused by name, never as an unknown key with a did-you-mean', () => {
    expect(UNSUPPORTED_KEYS).toEqual(['quota_mode', 'soft_requests_per_unit'])
    for (const key of UNSUPPORTED_KEYS) {
      for (const text of [
        `domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 5, ${key}: true }\n`,
        `domain: a\ndescriptors:\n  - key: k\n    ${key}: true\n`,
      ]) {
        const e = failure(text)
        expect(e.message).toContain(`the Envoy service's \`${key}\` is not supported by sluice: `)
        expect(e.message).not.toContain('unknown key')
        expect(e.message).not.toContain('did you mean')
      }
    }
  })

  it('quota_mode (a descriptor key in the service since 2026): true refused by name where it is written, false loads as the default', async () => {
    const e = failure(
      'domain: a\ndescriptors:\n  - key: k\n    quota_mode: true\n    rate_limit: { unit: second, requests_per_unit: 1 }\n',
    )
    expect(e).toMatchObject({ path: 'descriptors[0].quota_mode', line: 4, column: 5 })
    expect(e.message).toContain('unless every quota_mode descriptor of the request is over')
    expect(failure('domain: a\ndescriptors:\n  - key: k\n    quota_mode: "yes"\n').message).toContain(
      'quota_mode must be true or false',
    )
    // false changes nothing: the limit refuses as any other.
    const { limit } = setup(
      () => referenceStore(),
      'domain: a\ndescriptors:\n  - key: k\n    quota_mode: false\n    rate_limit: { unit: hour, requests_per_unit: 1 }\n',
    )
    expect((await limit(1, d(['k', 'v']))).allowed).toBe(true)
    expect((await limit(1, d(['k', 'v']))).allowed).toBe(false)
  })

  it('share_threshold needs a wildcard value', () => {
    const e = failure(
      'domain: a\ndescriptors:\n  - key: k\n    share_threshold: true\n    rate_limit: { unit: second, requests_per_unit: 1 }\n',
    )
    expect(e.message).toContain('share_threshold: true needs a wildcard value')
    expect(e.message).toContain('value: "*"')
    expect(e).toMatchObject({ path: 'descriptors[0].share_threshold', line: 4 })
    const exact = failure('domain: a\ndescriptors:\n  - key: k\n    value: v\n    share_threshold: true\n')
    expect(exact.message).toContain('"v" matches one value')
    // false is accepted anywhere, as the service does.
    expect(
      parseRules('domain: a\ndescriptors:\n  - key: k\n    share_threshold: false\n').descriptors[0]
        ?.shareThreshold,
    ).toBe(false)
  })

  it('unit_multiplier must be a whole number ≥ 1, and means nothing next to unlimited', () => {
    for (const bad of ['0', '-1', '1.5', 'x']) {
      const e = failure(
        `domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 5, unit_multiplier: ${bad} }\n`,
      )
      expect(e.message).toContain('unit_multiplier must be a whole number ≥ 1')
    }
    const e = failure(
      'domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unlimited: true, unit_multiplier: 2 }\n',
    )
    expect(e.message).toContain('unit_multiplier cannot be given with unlimited: true')
  })

  it('requests_per_unit 0 takes no algorithm or parameters; a missing one is still an error', () => {
    const e = failure(
      'domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 0, algorithm: gcra }\n',
    )
    expect(e.message).toContain('algorithm cannot be given with requests_per_unit: 0')
    expect(
      failure('domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unit: second }\n').message,
    ).toContain(
      'requests_per_unit is missing; add requests_per_unit: a whole number (0 refuses every request)',
    )
  })

  it('a blocked rule in shadow mode is reported, never refuses', async () => {
    const denials: string[] = []
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: parseRules(`domain: a
descriptors:
  - key: ip
    value: 10.0.0.1
    shadow_mode: true
    rate_limit: { unit: second, requests_per_unit: 0 }
`),
      onShadowDeny: (event) => denials.push(`${event.policy.policy}:${event.descriptor[0]?.value}`),
    })
    const decision = await limiter.limit({ descriptors: [[{ key: 'ip', value: '10.0.0.1' }]] })
    expect(decision).toMatchObject({ allowed: true, policies: [] })
    expect(decision.shadow).toEqual([expect.objectContaining({ policy: 'ip_10.0.0.1', allowed: false })])
    expect(denials).toEqual(['ip_10.0.0.1:10.0.0.1'])
  })

  it('a named blocked rule can be replaced, like any limit', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: parseRules(`domain: a
descriptors:
  - key: ip
    value: 10.0.0.1
    rate_limit: { unit: second, requests_per_unit: 0, name: banned }
  - key: pass
    value: vip
    rate_limit: { unit: second, requests_per_unit: 5, replaces: [{ name: banned }] }
`),
    })
    const ip = [{ key: 'ip', value: '10.0.0.1' }]
    expect((await limiter.limit({ descriptors: [ip] })).allowed).toBe(false)
    const vip = await limiter.limit({ descriptors: [ip, [{ key: 'pass', value: 'vip' }]] })
    expect(vip).toMatchObject({ allowed: true, limit: 5 })
  })
})
