import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import {
  ConfigError,
  createRateLimiter,
  InputError,
  parseRules as parseEdge,
  RulesError,
} from '../../src/index.ts'

/** The RulesError that parsing `text` throws. */
function failure(input: string | object): RulesError {
  try {
    parseRules(input)
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError)
    expect(error).toBeInstanceOf(ConfigError)
    return error as RulesError
  }
  throw new Error('parseRules accepted bad rules')
}

const limit = (extra: string) => `domain: api
descriptors:
  - key: user
    rate_limit:
      ${extra}
`

describe('bad rules: RulesError naming line, column and path', () => {
  it('an unknown key, with a did-you-mean suggestion', () => {
    const e = failure(limit('unit: second\n      request_per_unit: 5'))
    expect(e.message).toContain('did you mean "requests_per_unit"?')
    expect(e).toMatchObject({ line: 6, column: 7, path: 'descriptors[0].rate_limit.request_per_unit' })
    expect(e.message).toMatch(/^rules: line 6, column 7, at descriptors\[0\]\.rate_limit\.request_per_unit: /)
    const top = failure('domain: api\ndescriptor:\n  - key: a\n')
    expect(top.message).toContain('did you mean "descriptors"?')
    expect(top).toMatchObject({ line: 2, column: 1 })
    const shadow = failure('domain: api\ndescriptors:\n  - key: a\n    shadowMode: true\n')
    expect(shadow.message).toContain('did you mean "shadow_mode"?')
  })

  it('an unknown unit', () => {
    const e = failure(limit('unit: minutes\n      requests_per_unit: 5'))
    expect(e.message).toContain('unknown unit "minutes"; did you mean "minute"?')
    expect(e).toMatchObject({ line: 5, column: 13, path: 'descriptors[0].rate_limit.unit' })
    expect(failure(limit('unit: fortnight\n      requests_per_unit: 5')).message).toContain(
      'units are second, minute, hour, day, week, month, year',
    )
  })

  it('unlimited together with a unit', () => {
    const e = failure(limit('unlimited: true\n      unit: second'))
    expect(e.message).toContain('unit cannot be given with unlimited: true')
    expect(e).toMatchObject({ line: 6, column: 7 })
  })

  it('requests_per_unit negative, fractional or missing (0 blocks: see envoyCurrent.test.ts)', () => {
    for (const bad of ['-5', '2.5', '"ten"']) {
      const e = failure(limit(`unit: second\n      requests_per_unit: ${bad}`))
      expect(e.message).toContain('requests_per_unit must be a whole number ≥ 0 (0 refuses every request)')
      expect(e).toMatchObject({ line: 6, path: 'descriptors[0].rate_limit.requests_per_unit' })
    }
    expect(failure(limit('unit: second')).message).toContain('requests_per_unit is missing')
    expect(failure(limit('requests_per_unit: 3')).message).toContain('unit is missing')
  })

  it('duplicate descriptors at one level', () => {
    const e = failure(`domain: api
descriptors:
  - key: route
    value: /a
    rate_limit: { unit: second, requests_per_unit: 1 }
  - key: route
    value: /a
    rate_limit: { unit: second, requests_per_unit: 2 }
`)
    expect(e.message).toContain(
      'duplicate descriptor: key "route" with value "/a" is already defined at descriptors[0]',
    )
    expect(e).toMatchObject({ line: 6, column: 5, path: 'descriptors[1]' })
    // The same key at another level, or with another value, is fine.
    expect(() =>
      parseRules(`domain: api
descriptors:
  - key: route
    descriptors:
      - key: route
  - key: route
    value: /b
`),
    ).not.toThrow()
  })

  it('parameters of one algorithm given to another', () => {
    const e = failure(limit('unit: second\n      requests_per_unit: 5\n      burst: 10'))
    expect(e.message).toContain(
      'burst is a parameter of gcra, not of fixedWindow; remove it or set algorithm: gcra',
    )
    expect(e).toMatchObject({ line: 7, column: 7 })
    const capacity = failure(
      limit('unit: second\n      requests_per_unit: 5\n      algorithm: gcra\n      capacity: 3'),
    )
    expect(capacity.message).toContain('capacity is a parameter of tokenBucket and leakyBucket, not of gcra')
    const unknown = failure(limit('unit: second\n      requests_per_unit: 5\n      algorithm: token-bucket'))
    expect(unknown.message).toContain('unknown algorithm "token-bucket"; did you mean "token_bucket"?')
  })

  it('malformed YAML', () => {
    const e = failure('domain: api\ndescriptors:\n  - key: a\n   value: b\n')
    expect(e.message).toMatch(/^rules: line 4, column \d+: malformed YAML: /)
    expect(e.line).toBe(4)
    const dup = failure('domain: api\ndomain: other\n')
    expect(dup.message).toMatch(/line 2, column 1: malformed YAML: .*unique/i)
  })

  it('object input names the path; bad types say what was expected', () => {
    const e = failure({
      domain: 'api',
      descriptors: [{ key: 'a' }, { key: 'b', rate_limit: { unit: 'sec', requests_per_unit: 1 } }],
    })
    expect(e).toMatchObject({ path: 'descriptors[1].rate_limit.unit', line: undefined })
    expect(e.message).toMatch(/^rules: at descriptors\[1\]\.rate_limit\.unit: unknown unit "sec"/)
    expect(failure({ descriptors: [] }).message).toContain('domain must be a non-empty string')
    expect(failure({ domain: 'x', descriptors: {} }).message).toContain('descriptors must be a list')
    expect(failure({ domain: 'x', descriptors: [{ value: 'v' }] }).message).toContain(
      'key must be a non-empty string',
    )
    expect(failure('- just\n- a list\n').message).toContain('the rules must be a mapping')
  })

  it('replaces: empty names and a limit replacing itself', () => {
    const self = failure(
      limit('unit: second\n      requests_per_unit: 5\n      name: a\n      replaces: [{ name: a }]'),
    )
    expect(self.message).toContain('a limit cannot replace itself')
    expect(
      failure(limit('unit: second\n      requests_per_unit: 5\n      replaces: [{}]')).message,
    ).toContain('replaces entries need a non-empty name')
  })

  it('the edge entry reads objects and JSON, and says YAML needs the Node entry', () => {
    const rules = parseEdge(
      '{"domain":"api","descriptors":[{"key":"a","rate_limit":{"unit":"second","requests_per_unit":1}}]}',
    )
    expect(rules.domain).toBe('api')
    expect(() => parseEdge('domain: api\n')).toThrow(/YAML text needs the Node entry of @sluice\/core/)
    const bad = (() => {
      try {
        parseEdge('{\n  "domain": "api",\n  oops\n}')
      } catch (error) {
        return error as RulesError
      }
    })()
    expect(bad).toBeInstanceOf(RulesError)
    expect(bad?.message).toMatch(/malformed JSON/)
  })
})

describe('bad requests: InputError, never "no limit"', () => {
  const limiter = createRateLimiter({
    store: referenceStore(),
    rules: parseRules(
      'domain: api\ndescriptors:\n  - key: user\n    rate_limit: { unit: second, requests_per_unit: 5 }\n',
    ),
  })
  const cases: [string, unknown, RegExp][] = [
    ['an empty descriptor list', { descriptors: [] }, /descriptors is empty/],
    ['no descriptors at all', {}, /takes \{ descriptors/],
    ['a plain key', 'user:42', /rules limiters have no plain key/],
    ['an empty descriptor', { descriptors: [[]] }, /descriptors\[0\] must be a non-empty list/],
    [
      'an entry without key',
      { descriptors: [[{ value: '1' }]] },
      /descriptors\[0\]\[0\] must be \{ key, value \}/,
    ],
    [
      'a number value',
      { descriptors: [[{ key: 'user', value: 42 }]] },
      /needs a non-empty string value, got 42; convert ids/,
    ],
    ['an empty value', { descriptors: [[{ key: 'user', value: '' }]] }, /needs a non-empty string value/],
    [
      'the same descriptor twice',
      { descriptors: [[{ key: 'user', value: '1' }], [{ key: 'user', value: '1' }]] },
      /appears twice/,
    ],
  ]
  for (const [what, request, message] of cases) {
    it(what, async () => {
      await expect(limiter.limit(request as never)).rejects.toThrow(InputError)
      await expect(limiter.limit(request as never)).rejects.toThrow(message)
    })
  }

  it('a cost that one matched limit can never admit', async () => {
    await expect(
      limiter.limit({ descriptors: [[{ key: 'user', value: '1' }]] }, { cost: 6 }),
    ).rejects.toThrow(/cost 6 can never be admitted/)
  })

  it('construction: rules and algorithm together, bad options, a store that cannot run the rules', () => {
    const rules = parseRules('domain: api\n')
    expect(() => createRateLimiter({ store: referenceStore(), rules, algorithm: {} } as never)).toThrow(
      /not both/,
    )
    expect(() => createRateLimiter({ store: referenceStore(), rules, shadowMode: 'yes' } as never)).toThrow(
      /shadowMode must be true or false/,
    )
    expect(() => createRateLimiter({ store: referenceStore(), rules: 'domain: api' } as never)).toThrow(
      /rules must come from parseRules/,
    )
    const gcraRules = parseRules(
      'domain: api\ndescriptors:\n  - key: a\n    rate_limit: { unit: second, requests_per_unit: 1, algorithm: gcra }\n',
    )
    const fixedOnly = referenceStore({ algorithms: ['fixedWindow'], composite: true })
    expect(() => createRateLimiter({ store: fixedOnly, rules: gcraRules })).toThrow(/cannot run gcra/)
    // A plain object is validated like parsed rules.
    expect(() =>
      createRateLimiter({
        store: referenceStore(),
        rules: { domain: 'api', descriptors: [{ key: 'a', rate_limit: { unit: 'sec' } }] },
      }),
    ).toThrow(RulesError)
  })
})
