import { type Algorithm, type AlgorithmKind, MAX_KEY_LENGTH, type RateLimiter } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf } from './algorithms.ts'
import { EPOCH, type Harness, harness, randomPrefix, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/** Keys that trip up key encodings: separators, Redis hash-tag braces, escapes, whitespace, unicode, size. */
const AWKWARD_KEYS: readonly string[] = [
  'plain',
  ':',
  'a:b',
  'a:b:c',
  '{',
  '}',
  '{}',
  '}{',
  '{a}:b',
  '%',
  '%7B',
  '%7D',
  '%3A',
  '%25',
  ' ',
  'a b',
  ' a',
  'a\nb',
  '😀',
  '漢字',
  // The longest keys a limiter passes on, twice (a store that truncates keys would merge them).
  'k'.repeat(MAX_KEY_LENGTH),
  `${'k'.repeat(MAX_KEY_LENGTH - 1)}l`,
]

const UNITS = 50

/** Takes `cost` units of `key` (one call), so that each key ends up with its own, distinct count. */
async function take(limiter: RateLimiter, key: string, cost: number): Promise<void> {
  const d = await limiter.limit(key, { cost })
  expect(d.allowed, `limit(${JSON.stringify(key.slice(0, 20))}, { cost: ${cost} })`).toBe(true)
}

async function remaining(limiter: RateLimiter, key: string): Promise<number> {
  return (await limiter.peek(key, { cost: 0 })).remaining
}

function registerKind(h: Harness, kind: AlgorithmKind): void {
  const quota = () => algorithmOf(kind, UNITS)

  h.test(`${kind}: the same key under two prefixes shares nothing`, async () => {
    const a = h.limiter(quota())
    const b = h.limiter(quota())
    await take(a, 'k', 7)
    await take(b, 'k', 2)
    expect(await remaining(a, 'k')).toBe(UNITS - 7)
    expect(await remaining(b, 'k')).toBe(UNITS - 2)
  })

  h.test(`${kind}: prefixes and keys that differ only in where ':' falls do not collide`, async () => {
    const base = randomPrefix('isolation')
    const pairs: readonly (readonly [string, string])[] = [
      [`${base}a:b`, 'c'],
      [`${base}a`, 'b:c'],
      [`${base}a:b:c`, 'd'],
      [`${base}a%3Ab`, 'c'],
      [`${base}a%253Ab`, 'c'],
    ]
    const limiters = pairs.map(([prefix]) => h.limiter(quota(), { prefix }))
    for (const [i, [, key]] of pairs.entries()) await take(limiters[i] as RateLimiter, key, i + 1)
    for (const [i, [prefix, key]] of pairs.entries()) {
      expect(await remaining(limiters[i] as RateLimiter, key), `prefix ${prefix}, key ${key}`).toBe(
        UNITS - i - 1,
      )
    }
  })

  h.test(
    `${kind}: awkward keys (':', braces, '%', spaces, unicode, longest) work and stay independent`,
    async () => {
      const limiter = h.limiter(quota())
      for (const [i, key] of AWKWARD_KEYS.entries()) await take(limiter, key, i + 1)
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        expect(await remaining(limiter, key), `key #${i} ${JSON.stringify(key.slice(0, 20))}`).toBe(
          UNITS - i - 1,
        )
      }
      await limiter.reset('{}')
      expect(await remaining(limiter, '{}')).toBe(quota().limit)
      expect(await remaining(limiter, '}{')).toBe(UNITS - AWKWARD_KEYS.indexOf('}{') - 1)
    },
  )

  h.test(`${kind}: one limit id is one counter, whichever object carries it`, async () => {
    // The Store contract keys state by key + limit.id: two objects with one id (a limit rebuilt
    // from the same options, or renamed) are the same counter, across requests.
    const store = h.store()
    const key = `${randomPrefix('isolation')}:k`
    const first = algorithmOf(kind, 5)
    const renamed: Algorithm = { ...algorithmOf(kind, 5), name: `${first.name} (renamed)` }
    const now = h.controlled ? EPOCH : undefined
    const request = (limit: Algorithm, cost: number, consume: boolean) =>
      store.apply({ key, limits: [limit], cost, consume, now })
    expect((await request(first, 2, true))[0]?.allowed).toBe(true)
    expect((await request(renamed, 0, false))[0]?.remaining).toBe(3)
    expect((await request(renamed, 3, true))[0]?.allowed).toBe(true)
    expect((await request(first, 1, false))[0]?.allowed).toBe(false)
  })

  h.test(`${kind}: two different limits on the same prefix and key keep separate state`, async () => {
    const prefix = randomPrefix('isolation')
    const three = h.limiter(algorithmOf(kind, 3), { prefix })
    const five = h.limiter(algorithmOf(kind, 5), { prefix })
    await take(three, 'k', 3)
    expect((await three.limit('k')).allowed).toBe(false)
    expect(await remaining(five, 'k')).toBe(algorithmOf(kind, 5).limit)
    await take(five, 'k', 5)
    await three.reset('k')
    expect((await five.limit('k')).allowed).toBe(false)
  })

  h.test(
    `${kind}: limits per caller: each plan of one key counts apart, and a plan resumes its count`,
    async () => {
      const plans: Record<string, Algorithm> = { small: algorithmOf(kind, 3), large: algorithmOf(kind, 5) }
      const limiter = h.limiter(({ context }) => plans[context as string] as Algorithm)
      const small = { context: 'small' }
      const large = { context: 'large' }
      await limiter.limit('k', { ...small, cost: 2 })
      expect((await limiter.peek('k', large)).remaining).toBe(plans.large?.limit)
      await limiter.limit('k', { ...large, cost: 4 })
      expect((await limiter.peek('k', small)).remaining).toBe(1) // the small plan's count stands
      const picked = await limiter.peek('k', large)
      expect(picked.limits?.map((l) => l.id)).toEqual([plans.large?.id])
      await limiter.reset('k', large)
      expect((await limiter.peek('k', large)).remaining).toBe(plans.large?.limit)
      expect((await limiter.peek('k', small)).remaining).toBe(1)
    },
  )
}

/**
 * Area 5: isolation. Prefixes, keys and limits never share state (and one limit id is one counter,
 * whichever object carries it): the same key under two prefixes,
 * prefix/key pairs that differ only by where ':' falls, keys with separators, braces, escapes, spaces,
 * unicode and the longest key, two limits on one prefix and key, and every supported kind side by side.
 */
export function describeIsolation(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  describe(`${name} › isolation`, () => {
    const h = harness('isolation', factory, resolved)
    for (const kind of resolved.algorithms) registerKind(h, kind)

    h.test(
      'limits of every kind with the same numbers on one prefix and key keep separate state',
      async () => {
        const prefix = randomPrefix('isolation')
        const limiters = resolved.algorithms.map((kind) => h.limiter(algorithmOf(kind, 10), { prefix }))
        for (const [i, limiter] of limiters.entries()) await take(limiter, 'k', i + 1)
        for (const [i, limiter] of limiters.entries()) expect(await remaining(limiter, 'k')).toBe(10 - i - 1)
      },
    )
  })
}
