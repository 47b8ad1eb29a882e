import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRules } from '../../src/index.ts'
import { compileGlob, matchGlob } from '../../src/rules/glob.ts'
import { compileRules, matchDescriptor } from '../../src/rules/match.ts'

// The service's meaning of a rule value, written independently of sluice's matcher: each `*`
// stands for any run of characters (none included), every other character for itself. So `*` is
// never literal, whatever surrounds it.
const serviceRegex = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
      .join('[\\s\\S]*')}$`,
  )

// Small alphabets, so that random values often match random patterns.
const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 8 })
const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '/', '*'), minLength: 1, maxLength: 8 })

describe('wildcard values mean what they mean in the Envoy service', () => {
  it('a compiled glob matches exactly the values the service matches', () => {
    fc.assert(
      fc.property(pattern, text, (p, value) => {
        expect(matchGlob(compileGlob(p), value)).toBe(serviceRegex(p).test(value))
        // A value holding the pattern's own text (with its `*`s) matches too: `*` matches a `*`.
        expect(matchGlob(compileGlob(p), p)).toBe(true)
      }),
      { numRuns: 3000 },
    )
  })

  it('every file the loader accepts picks, for every request, the rule the service picks', () => {
    // A level of rules for one key: values exact, wildcard or absent, in random order.
    const rule = fc.record({
      value: fc.option(
        pattern.filter((p) => p !== ''),
        { nil: undefined },
      ),
      n: fc.nat(5),
    })
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 8 }),
        fc.array(
          text.filter((v) => v !== ''),
          { minLength: 1, maxLength: 6 },
        ),
        (rules, values) => {
          // Duplicates are refused (as in the service): keep the first of each value.
          const seen = new Set<string>()
          const unique = rules.filter((r) => !seen.has(String(r.value)) && seen.add(String(r.value)))
          const set = parseRules({
            domain: 'd',
            descriptors: unique.map((r, i) => ({
              key: 'k',
              ...(r.value === undefined ? {} : { value: r.value }),
              rate_limit: { unit: 'second', requests_per_unit: i + 1 },
            })),
          })
          const compiled = compileRules(set)
          for (const value of values) {
            // The service: key+value exact, then wildcards in file order, then the key alone.
            const exact = unique.findIndex((r) => r.value === value && !r.value.includes('*'))
            const wild = unique.findIndex(
              (r) => r.value?.includes('*') === true && serviceRegex(r.value).test(value),
            )
            const keyOnly = unique.findIndex((r) => r.value === undefined)
            const expected = exact >= 0 ? exact : wild >= 0 ? wild : keyOnly
            const got = matchDescriptor(compiled, [{ key: 'k', value }])
            expect(got?.rule).toBe(expected < 0 ? undefined : set.descriptors[expected])
          }
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('patterns that make backtracking matchers explode are decided right, in one pass per piece', () => {
    const p = `${'a*'.repeat(40)}b`
    expect(matchGlob(compileGlob(p), 'a'.repeat(1000))).toBe(false)
    expect(matchGlob(compileGlob(p), `${'a'.repeat(1000)}b`)).toBe(true)
    expect(matchGlob(compileGlob('*aab*'), `${'a'.repeat(1000)}b`)).toBe(true)
    expect(matchGlob(compileGlob('ab*ba'), 'aba')).toBe(false)
    expect(matchGlob(compileGlob('ab*ba'), 'abba')).toBe(true)
  })
})
