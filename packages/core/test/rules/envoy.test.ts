import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter } from '../../src/index.ts'
import { envoyCurrentExamples } from './envoyCurrentExamples.ts'
import { envoyExamples } from './envoyExamples.ts'

envoyExamples('the reference store', () => referenceStore())
envoyCurrentExamples('the reference store', () => referenceStore())

describe('Envoy files load unchanged', () => {
  it('units in any case, numbers as keys and values, YAML anchors, detailed_metric', async () => {
    const rules = parseRules(`domain: 42
descriptors:
  - key: version
    value: 1.10
    rate_limit: &limit
      unit: SECOND
      requests_per_unit: 2
  - key: 7
    rate_limit: *limit
    detailed_metric: true
`)
    expect(rules.domain).toBe('42')
    expect(rules.descriptors.map((d) => [d.key, d.value])).toEqual([
      ['version', '1.10'],
      ['7', undefined],
    ])
    // A still clock: on the real one a second boundary between the calls would admit the second.
    const limiter = createRateLimiter({ store: referenceStore(), rules, clock: () => 1_699_999_998_000 })
    const version = { descriptors: [[{ key: 'version', value: '1.10' }]] }
    expect(await limiter.limit(version, { cost: 2 })).toMatchObject({ allowed: true, limit: 2, remaining: 0 })
    expect((await limiter.limit(version)).allowed).toBe(false)
    expect((await limiter.limit({ descriptors: [[{ key: '7', value: 'x' }]] })).limit).toBe(2)
  })
})
