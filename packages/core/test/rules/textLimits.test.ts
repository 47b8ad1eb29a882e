// Rules text that would cost more than its length to read: aliases, nesting, size. Each fails fast with a RulesError.
import { describe, expect, it } from 'vitest'
import { parseRules } from '../../src/entries/yaml.ts'
import { parseRules as parseEdge, RulesError } from '../../src/index.ts'
import { MAX_RULES_LENGTH } from '../../src/rules/limits.ts'

// A sanity bound only, far above what these take even on a loaded machine: the billion laughs
// below took about 25 minutes before aliases were counted (ten times longer per level, measured up
// to six). What the tests check is the outcome.
const SANITY_MS = 20_000
const TEST_MS = 60_000

/** The RulesError that parsing `input` throws, and how long it took. */
function refusal(input: string | object, parse = parseRules): { error: RulesError; ms: number } {
  const start = performance.now()
  try {
    parse(input)
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError)
    return { error: error as RulesError, ms: performance.now() - start }
  }
  throw new Error('parseRules accepted the text')
}

/** Nine levels of nine aliases each: 9^9 (387 million) copies of "x" from about 500 characters. */
function billionLaughs(): string {
  const anchors = 'abcdefghi'
  let text = 'domain: api\ndescriptors:\n  - {key: a, value: &a [x,x,x,x,x,x,x,x,x]}\n'
  for (let i = 1; i < 9; i++) {
    const nine = Array.from({ length: 9 }, () => `*${anchors[i - 1]}`).join(',')
    text += `  - {key: ${anchors[i]}, value: &${anchors[i]} [${nine}]}\n`
  }
  return text
}

/** `levels` descriptors each nested in the one before, the innermost with a limit. */
function nested(levels: number): string {
  let text = 'domain: api\ndescriptors:\n'
  let indent = '  '
  for (let i = 1; i < levels; i++) {
    text += `${indent}- key: k${i}\n${indent}  descriptors:\n`
    indent += '    '
  }
  return `${text}${indent}- key: last\n${indent}  rate_limit: { unit: second, requests_per_unit: 1 }\n`
}

/** A flat list of descriptors, as long as fits in `length` characters. */
function flat(length: number): { text: string; count: number } {
  let text = 'domain: api\ndescriptors:\n'
  let count = 0
  for (;;) {
    const next = `  - key: user_${count}\n    value: v${count}\n    rate_limit: { unit: minute, requests_per_unit: ${count + 1} }\n`
    if (text.length + next.length > length) return { text, count }
    text += next
    count++
  }
}

describe('YAML aliases are counted', () => {
  it('a billion laughs is refused at the alias that copies too much, in well under the guard', () => {
    const text = billionLaughs()
    expect(text.length).toBeLessThan(600)
    const { error, ms } = refusal(text)
    expect(error.message).toMatch(/aliases copy more than 100000 nodes into the rules/)
    // Where the copying starts: an alias in the last lines, inside a descriptor's value.
    expect(error.path).toMatch(/^descriptors\[\d\]\.value\[\d\]$/)
    expect(error.line).toBeGreaterThan(3)
    expect(error.column).toBeGreaterThan(1)
    expect(error.message).toContain(`line ${error.line}, column ${error.column}, at ${error.path}: `)
    expect(ms).toBeLessThan(SANITY_MS)
  })

  it('the same laughs outside descriptors are refused too: all of the text is read before it is validated', () => {
    const text = billionLaughs().replace('descriptors:\n', 'laughs:\n')
    expect(refusal(text).error.message).toMatch(/aliases copy more than 100000 nodes/)
  })

  it('an alias inside the mapping it names, or naming no anchor, is refused', () => {
    const { error } = refusal('domain: api\ndescriptors: &d\n  - key: a\n    descriptors: *d\n')
    expect(error.message).toContain('alias *d refers to a mapping or list that contains it')
    expect(error).toMatchObject({ line: 4, column: 18, path: 'descriptors[0].descriptors' })
    // An alias without an anchor used to read as nothing: here, no descriptors at all.
    const unknown = refusal('domain: api\ndescriptors: *nope\n').error
    expect(unknown.message).toBe(
      'rules: line 2, column 14, at descriptors: alias *nope names no anchor; define &nope before the alias, or remove it',
    )
  })

  it('ordinary anchors, aliases and merge keys still load, many times over', () => {
    let text = `domain: api
descriptors:
  - key: base
    rate_limit: &limit { unit: minute, requests_per_unit: 5 }
`
    for (let i = 0; i < 2000; i++) text += `  - key: k${i}\n    rate_limit: *limit\n`
    text += '  - key: merged\n    rate_limit: { <<: *limit, requests_per_unit: 7, name: merged }\n'
    const rules = parseRules(text)
    expect(rules.descriptors).toHaveLength(2002)
    expect(rules.descriptors[2000]?.rateLimit?.algorithm).toMatchObject({ limit: 5, windowMs: 60_000 })
    // A merge key copies what the mapping does not set itself.
    expect(rules.descriptors[2001]?.rateLimit).toMatchObject({
      name: 'merged',
      algorithm: { limit: 7, windowMs: 60_000 },
    })
  })
})

describe('nesting is bounded', () => {
  it('descriptors nested past 32 levels of mappings and lists are refused where the limit is crossed', () => {
    expect(parseRules(nested(15)).descriptors).toHaveLength(1)
    const { error } = refusal(nested(16))
    expect(error.message).toContain('nesting deeper than 32 levels of mappings and lists')
    // The 16th descriptor's mapping is level 33.
    expect(error.path).toBe(`descriptors${'[0].descriptors'.repeat(15)}[0]`)
    expect(error.line).toBe(33)
    expect(error.column).toBeGreaterThan(60)
  })

  it('nesting deep enough to overflow the YAML parser is refused before it is composed', () => {
    for (const text of [
      '['.repeat(64 * 1024),
      `domain: a\nx: ${'{a: '.repeat(16 * 1024)}`,
      '- '.repeat(32 * 1024),
    ]) {
      const { error, ms } = refusal(text)
      expect(error.message).toContain('nesting deeper than 32 levels')
      expect(error.message).not.toContain('call stack')
      expect(error.line).toBe(text.startsWith('domain') ? 2 : 1)
      expect(ms).toBeLessThan(SANITY_MS)
    }
  })

  it('objects are held to the same depth, and a cyclic object is refused instead of overflowing the stack', () => {
    const cyclic: { key: string; descriptors: unknown[] } = { key: 'a', descriptors: [] }
    cyclic.descriptors.push(cyclic)
    for (const parse of [parseRules, parseEdge]) {
      const { error } = refusal({ domain: 'api', descriptors: [cyclic] }, parse)
      expect(error.message).toContain('nesting deeper than 32 levels')
      expect(error.path).toMatch(/^descriptors(\[0\]\.descriptors)+\[0\]$/)
    }
  })
})

describe('size is bounded', () => {
  it('a long flat file just under the limit parses; one character more is refused unread', {
    timeout: TEST_MS,
  }, () => {
    const { text, count } = flat(MAX_RULES_LENGTH)
    expect(text.length).toBeGreaterThan(MAX_RULES_LENGTH - 200)
    const start = performance.now()
    const rules = parseRules(text)
    expect(performance.now() - start).toBeLessThan(SANITY_MS)
    expect(rules.descriptors).toHaveLength(count)
    expect(count).toBeGreaterThan(2_500)

    const over = `${text}${'#'.repeat(MAX_RULES_LENGTH + 1 - text.length)}`
    expect(over.length).toBe(MAX_RULES_LENGTH + 1)
    const { error, ms } = refusal(over)
    expect(error.message).toBe(
      `rules: the text is ${MAX_RULES_LENGTH + 1} characters long, over the maximum of ${MAX_RULES_LENGTH} (256 KiB); split the rules by domain into several files`,
    )
    expect(ms).toBeLessThan(1000)
    // The edge entry's JSON text is held to the same length.
    const json = `{"domain":"api","descriptors":[]}${' '.repeat(MAX_RULES_LENGTH)}`
    expect(refusal(json, parseEdge).error.message).toContain(`over the maximum of ${MAX_RULES_LENGTH}`)
  })

  it('malformed YAML up to the limit fails with its first error', { timeout: TEST_MS }, () => {
    const text = `[${','.repeat(MAX_RULES_LENGTH - 2)}]`
    const { error, ms } = refusal(text)
    expect(error.message).toMatch(/^rules: line 1, column 3: malformed YAML: Unexpected , in flow sequence/)
    expect(ms).toBeLessThan(SANITY_MS)
  })
})
