import { ConfigError, createRateLimiter, type Decision, InputError, type RateLimiter } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf, kindAt } from './algorithms.ts'
import { comparable, expectRefused } from './expectations.ts'
import { type Harness, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/** Bad costs, each with the text its error message must show. */
const BAD_COSTS: readonly (readonly [unknown, string])[] = [
  [-1, '-1'],
  [-0.5, '-0.5'],
  [1.5, '1.5'],
  [Number.NaN, 'NaN'],
  [Number.POSITIVE_INFINITY, 'Infinity'],
  [Number.NEGATIVE_INFINITY, '-Infinity'],
  ['2', '"2"'],
  [null, 'null'],
]

/** Bad keys, each with the text its error message must show. */
const BAD_KEYS: readonly (readonly [unknown, string])[] = [
  ['', '""'],
  [undefined, 'undefined'],
  [null, 'null'],
  [42, '42'],
  [{}, '[object Object]'],
  [['k'], '[object Array]'],
]

type Call = 'limit' | 'peek'

/**
 * Runs refused calls against a key that already holds state, then checks through a peek that the
 * state did not move (whole decision on a frozen clock; the numbers real time cannot move otherwise).
 */
async function unchangedAfter(
  h: Harness,
  limiter: RateLimiter,
  refusals: () => Promise<void>,
): Promise<void> {
  await limiter.limit('k', { cost: 2 })
  const view = (d: Decision) =>
    h.controlled ? comparable(d) : { remaining: d.remaining, policies: d.policies.map((p) => p.remaining) }
  const before = view(await limiter.peek('k', { cost: 0 }))
  await refusals()
  expect(view(await limiter.peek('k', { cost: 0 })), 'state after the refused calls').toStrictEqual(before)
}

/**
 * Area 7: bad input through a limiter on this store. Negative, fractional, NaN, infinite and
 * non-number costs, costs no limit could ever admit, and empty or non-string keys are `InputError`s
 * (not denials) naming the bad value; an empty composite list is a `ConfigError`; and a refused call
 * leaves the stored state as it was.
 */
export function describeBadInput(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  describe(`${name} › bad input`, () => {
    const h = harness('bad-input', factory, resolved)
    const kinds = resolved.algorithms

    h.test(
      'a negative, fractional, NaN, infinite or non-number cost is an InputError naming it',
      async () => {
        const limiter = h.limiter(algorithmOf(kindAt(kinds, 0), 5))
        await unchangedAfter(h, limiter, async () => {
          for (const [cost, shown] of BAD_COSTS) {
            for (const call of ['limit', 'peek'] as Call[]) {
              await expectRefused(() => limiter[call]('k', { cost: cost as number }), InputError, shown)
            }
          }
        })
      },
    )

    for (const kind of kinds) {
      h.test(
        `${kind}: a cost above what the limit could ever admit is an InputError, not a denial`,
        async () => {
          const algorithm = algorithmOf(kind, 5)
          const limiter = h.limiter(algorithm)
          const tooMuch = algorithm.maxCost + 1
          await unchangedAfter(h, limiter, async () => {
            for (const call of ['limit', 'peek'] as Call[]) {
              await expectRefused(() => limiter[call]('k', { cost: tooMuch }), InputError, `cost ${tooMuch}`)
              await expectRefused(
                () => limiter[call]('new', { cost: tooMuch }),
                InputError,
                `cost ${tooMuch}`,
              )
            }
          })
          expect((await limiter.limit('new', { cost: algorithm.maxCost })).allowed).toBe(true)
        },
      )
    }

    if (resolved.composite) {
      h.test(
        'composite: a cost above the tightest limit is an InputError; nothing is taken from any',
        async () => {
          const tight = algorithmOf(kindAt(kinds, 0), 4)
          const limiter = h.limiter([algorithmOf(kindAt(kinds, 1), 50), tight])
          await unchangedAfter(h, limiter, async () => {
            const tooMuch = tight.maxCost + 1
            await expectRefused(() => limiter.limit('k', { cost: tooMuch }), InputError, `cost ${tooMuch}`)
            await expectRefused(() => limiter.limit('k', { cost: tooMuch }), InputError, tight.name)
          })
        },
      )
    }

    h.test('an empty or non-string key is an InputError naming it, for limit, peek and reset', async () => {
      const limiter = h.limiter(algorithmOf(kindAt(kinds, 0), 5))
      await unchangedAfter(h, limiter, async () => {
        for (const [key, shown] of BAD_KEYS) {
          await expectRefused(() => limiter.limit(key as string), InputError, shown)
          await expectRefused(() => limiter.peek(key as string), InputError, shown)
          await expectRefused(() => limiter.reset(key as string), InputError, shown)
        }
      })
    })

    h.test('an empty composite list is a ConfigError', async () => {
      const store = h.store()
      await expectRefused(async () => createRateLimiter({ store, algorithm: [] }), ConfigError, 'empty')
    })
  })
}
