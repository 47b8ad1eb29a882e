// Keys such as __proto__ or constructor, in rules and in requests, are plain data: never read through a prototype.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Descriptor, parseRules as parseEdge, RulesError } from '../../src/index.ts'

const NAMES = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']

const d = (...entries: [string, string][]): Descriptor => entries.map(([key, value]) => ({ key, value }))

describe('prototype names in rules files', () => {
  it('a __proto__ mapping is an unknown key, not a hidden source of fields', () => {
    // Read into a plain object, `__proto__:` used to become that object's prototype: the limit
    // below loaded from it with no error, invisible to the unknown-key check.
    const text = `domain: api
descriptors:
  - key: user
    rate_limit:
      __proto__: { unit: second, requests_per_unit: 1 }
`
    expect(() => parseRules(text)).toThrow(RulesError)
    expect(() => parseRules(text)).toThrow(
      /line 5, column 7, at descriptors\[0\]\.rate_limit\.__proto__: unknown key "__proto__"/,
    )
    // Merged in, or at the top, or in JSON: the same.
    expect(() =>
      parseRules('domain: api\nx: &x { __proto__: { descriptors: [] } }\ny: { <<: *x }\n'),
    ).toThrow(/unknown key "x"/)
    expect(() => parseRules('domain: api\n__proto__: { descriptors: [] }\n')).toThrow(
      /unknown key "__proto__"/,
    )
    const json = '{"domain":"api","descriptors":[{"key":"a","rate_limit":{"__proto__":{"unit":"second"}}}]}'
    for (const parse of [parseRules, parseEdge]) expect(() => parse(json)).toThrow(/unknown key "__proto__"/)
  })

  it('every other prototype name is an unknown key with its path', () => {
    for (const name of NAMES.slice(1)) {
      expect(() => parseRules(`domain: api\ndescriptors:\n  - key: a\n    ${name}: 1\n`)).toThrow(
        new RegExp(`at descriptors\\[0\\]\\.${name}: unknown key "${name}"`),
      )
    }
  })

  it('a polluted Object.prototype adds nothing to the rules', () => {
    const text =
      'domain: api\ndescriptors:\n  - key: user\n    rate_limit: { unit: second, requests_per_unit: 1 }\n'
    const proto = Object.prototype as Record<string, unknown>
    let yaml: ReturnType<typeof parseRules>
    let object: ReturnType<typeof parseRules>
    // Another library's bug can set fields on every object; rules read only their own fields.
    proto.unlimited = true
    proto.shadow_mode = true
    try {
      yaml = parseRules(text)
      object = parseEdge({
        domain: 'api',
        descriptors: [{ key: 'user', rate_limit: { unit: 'second', requests_per_unit: 1 } }],
      })
    } finally {
      delete proto.unlimited
      delete proto.shadow_mode
    }
    for (const rules of [yaml, object]) {
      expect(rules.descriptors[0]).toMatchObject({ shadowMode: false, rateLimit: { unlimited: false } })
      expect(rules.descriptors[0]?.rateLimit?.algorithm?.limit).toBe(1)
    }
  })
})

describe('prototype names as descriptor keys and values', () => {
  const rules = parseRules(`domain: api
descriptors:
  - key: __proto__
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: constructor
    value: prototype
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: hasOwnProperty
    descriptors:
      - key: toString
        value: __proto__
        rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 4 }
`)
  const limiter = () => createRateLimiter({ store: referenceStore(), rules, clock: () => 1_000_000 })

  it('match only the rules written with them', async () => {
    const l = limiter()
    const limitOf = async (descriptor: Descriptor) => (await l.peek({ descriptors: [descriptor] })).limit
    expect(await limitOf(d(['__proto__', 'x']))).toBe(1)
    expect(await limitOf(d(['constructor', 'prototype']))).toBe(2)
    expect(await limitOf(d(['hasOwnProperty', 'a'], ['toString', '__proto__']))).toBe(3)
    expect(await limitOf(d(['user', '__proto__']))).toBe(4)
    // Names the rules do not give match nothing, however they relate to Object.prototype.
    const unlimited = Number.POSITIVE_INFINITY
    for (const descriptor of [
      d(['constructor', 'other']),
      d(['constructor', 'constructor']),
      d(['toString', '__proto__']),
      d(['hasOwnProperty', 'a'], ['toString', 'valueOf']),
      d(['hasOwnProperty', 'a']),
      ...NAMES.filter((n) => n !== '__proto__' && n !== 'constructor').map((n) => d([n, n])),
    ]) {
      expect(await limitOf(descriptor)).toBe(unlimited)
    }
  })

  it('each prototype name as a value has its own counter', async () => {
    const l = limiter()
    for (const name of NAMES) {
      expect((await l.limit({ descriptors: [d(['__proto__', name])] })).allowed).toBe(true)
    }
    for (const name of NAMES) {
      expect((await l.limit({ descriptors: [d(['__proto__', name])] })).allowed).toBe(false)
    }
  })

  it('descriptors that only print alike are not taken for duplicates', async () => {
    // Both read `a_b_c` in the Envoy stats style; they are different descriptors.
    const decision = await limiter().limit({ descriptors: [d(['a_b', 'c']), d(['a', 'b_c'])] })
    expect(decision).toMatchObject({ allowed: true, policies: [] })
  })
})
