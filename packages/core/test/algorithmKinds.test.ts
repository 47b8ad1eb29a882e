// ALGORITHM_KINDS is the one list of algorithm kinds: every factory makes one of them, rules name each.
import { expect, it } from 'vitest'
import { ALGORITHM_KINDS } from '../src/entries/store.ts'
import {
  concurrency,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  parseRules,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../src/index.ts'
import { testStore } from './resilience/support.ts'

it('lists the kind of every factory once, in the documented order, and cannot be changed', () => {
  const made = [
    fixedWindow({ limit: 1, window: 1000 }),
    slidingLog({ limit: 1, window: 1000 }),
    slidingWindow({ limit: 1, window: 1000 }),
    tokenBucket({ capacity: 1, refillRate: 1 }),
    gcra({ rate: 1, period: 1000 }),
    leakyBucket({ capacity: 1, leakRate: 1 }),
    concurrency({ limit: 1, leaseMs: 1000 }),
  ].map((a) => a.kind)
  expect(ALGORITHM_KINDS).toEqual(made)
  expect(Object.isFrozen(ALGORITHM_KINDS)).toBe(true)
})

it('rules accept each kind in the file format (snake_case) and as core spells it', async () => {
  for (const kind of ALGORITHM_KINDS) {
    const snake = kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
    for (const name of [snake, kind]) {
      const rules = parseRules({
        domain: 'd',
        descriptors: [{ key: 'k', rate_limit: { unit: 'second', requests_per_unit: 2, algorithm: name } }],
      })
      const limiter = createRateLimiter({ store: testStore().store, rules })
      const decision = await limiter.limit({ descriptors: [[{ key: 'k', value: 'v' }]] })
      expect(decision.limits?.[0]?.kind, name).toBe(kind)
    }
  }
  expect(() =>
    parseRules({
      domain: 'd',
      descriptors: [
        { key: 'k', rate_limit: { unit: 'second', requests_per_unit: 1, algorithm: 'tokenbuckt' } },
      ],
    }),
  ).toThrow(
    /did you mean "token_bucket"\?.*one of fixed_window, sliding_log, sliding_window, token_bucket, gcra, leaky_bucket, concurrency/,
  )
})
