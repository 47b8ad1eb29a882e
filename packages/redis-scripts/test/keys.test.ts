import { fixedWindow, slidingWindow } from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeHashTag,
  FIXED_WINDOW_KEY_SUFFIX,
  storeKey,
  storeKeys,
  storePrefixProblem,
} from '../src/index.ts'

/** What Redis Cluster hashes: the first `{…}` with at least one character inside, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{')
  if (open === -1) return key
  const close = key.indexOf('}', open + 1)
  if (close === -1 || close === open + 1) return key
  return key.slice(open + 1, close)
}

const anyText = fc.string({
  unit: fc.constantFrom('a', '{', '}', '%', ':', '7', 'B', 'D', '2', '5', 'é', ' '),
})
const prefix = anyText.filter((p) => storePrefixProblem(p) === undefined)
const limitId = fc.constantFrom('fw:3:1000', 'sl:10:60000', 'gc:30:60000:16', 'tb:5:0.5:1000')

describe('keys', () => {
  it('escapes exactly %, { and }', () => {
    expect(encodeHashTag('a{b}c%d')).toBe('a%7Bb%7Dc%25d')
    expect(encodeHashTag('%7B')).toBe('%257B')
    expect(storeKey('rl:', 'api:{42}', { id: 'fw:3:1000' })).toBe('rl:{api:%7B42%7D}:fw:3:1000')
  })

  it("gives a fixed window's bitfield state a key of its own, apart from the text state of earlier versions", () => {
    const fw = fixedWindow({ limit: 3, window: 1000 })
    const sw = slidingWindow({ limit: 3, window: 1000 })
    expect(FIXED_WINDOW_KEY_SUFFIX).toBe(':b')
    expect(storeKey('rl:', 'u', fw)).toBe('rl:{u}:fw:3:1000:b')
    expect(storeKeys('rl:', 'u', [fw, sw])).toEqual(['rl:{u}:fw:3:1000:b', 'rl:{u}:sw:3:1000'])
  })

  it('hashes every limit of a decision by the encoded limiter key alone', () => {
    fc.assert(
      fc.property(
        prefix,
        anyText.filter((k) => k !== ''),
        fc.array(limitId, { minLength: 1, maxLength: 3 }),
        (p, k, ids) => {
          const keys = storeKeys(
            p,
            k,
            ids.map((id) => ({ id })),
          )
          for (const key of keys) expect(hashedPart(key)).toBe(encodeHashTag(k))
        },
      ),
    )
  })

  it('never maps two different (prefix, key, limit) triples to one Redis key', () => {
    fc.assert(
      fc.property(prefix, prefix, anyText, anyText, limitId, limitId, (p1, p2, k1, k2, id1, id2) => {
        fc.pre(p1 !== p2 || k1 !== k2 || id1 !== id2)
        expect(storeKey(p1, k1, { id: id1 })).not.toBe(storeKey(p2, k2, { id: id2 }))
      }),
      { numRuns: 2000 },
    )
  })

  it('rejects prefixes with braces, which would become the hash tag', () => {
    expect(storePrefixProblem('')).toBeUndefined()
    expect(storePrefixProblem('app:')).toBeUndefined()
    expect(storePrefixProblem('a{b}')).toMatch(/must not contain/)
    expect(storePrefixProblem(7)).toMatch(/must be a string/)
  })
})
