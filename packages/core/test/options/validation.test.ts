import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { MAX_LIMITS_PER_REQUEST, type Store, storeTimeoutMs } from '../../src/entries/store.ts'
import {
  type Algorithm,
  ConfigError,
  createRateLimiter,
  fixedWindow,
  gcra,
  InputError,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
  UnsupportedAlgorithmError,
} from '../../src/index.ts'

const badCounts = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, '10', undefined]
const badDurations = [0, -1, '1x', '', Number.NaN, '0s', 0.5, 'ten seconds', null]

describe('factories reject bad options with a ConfigError naming the value', () => {
  const counted: [string, (n: unknown) => unknown][] = [
    ['fixedWindow: limit', (n) => fixedWindow({ limit: n as number, window: 1000 })],
    ['slidingLog: limit', (n) => slidingLog({ limit: n as number, window: 1000 })],
    ['slidingWindow: limit', (n) => slidingWindow({ limit: n as number, window: 1000 })],
    ['tokenBucket: capacity', (n) => tokenBucket({ capacity: n as number, refillRate: 1 })],
    ['gcra: rate', (n) => gcra({ rate: n as number, period: '1s' })],
    ['gcra: burst', (n) => gcra({ rate: 1, period: '1s', burst: n as number })],
    ['leakyBucket: capacity', (n) => leakyBucket({ capacity: n as number, leakRate: 1 })],
  ]
  for (const [name, make] of counted) {
    it.each(badCounts.filter((v) => !(name === 'gcra: burst' && v === undefined)))(
      `${name} = %s`,
      (value) => {
        expect(() => make(value)).toThrow(ConfigError)
        expect(() => make(value)).toThrow(new RegExp(`${name} must be a positive integer, got`))
      },
    )
  }

  it.each(badDurations)('window = %s', (value) => {
    expect(() => fixedWindow({ limit: 1, window: value as number })).toThrow(ConfigError)
    expect(() => fixedWindow({ limit: 1, window: value as number })).toThrow(/fixedWindow: window must be/)
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1'])('refillRate / leakRate = %s', (value) => {
    expect(() => tokenBucket({ capacity: 1, refillRate: value as number })).toThrow(
      /refillRate must be a finite number/,
    )
    expect(() => leakyBucket({ capacity: 1, leakRate: value as number })).toThrow(
      /leakRate must be a finite number/,
    )
  })

  it('accepts fractional rates and every duration unit', () => {
    expect(tokenBucket({ capacity: 5, refillRate: 0.5, refillInterval: '1.5s' }).params).toMatchObject({
      capacity: 5,
      refillRate: 0.5,
      refillIntervalMs: 1500,
    })
    for (const [d, ms] of [
      ['250ms', 250],
      ['10s', 10_000],
      ['1m', 60_000],
      ['1h', 3_600_000],
      ['1d', 86_400_000],
      [42, 42],
    ] as const) {
      expect(fixedWindow({ limit: 1, window: d }).windowMs).toBe(ms)
    }
  })

  it('rejects a non-object and an empty name', () => {
    expect(() => fixedWindow(undefined as never)).toThrow(/fixedWindow\(\) takes an options object/)
    expect(() => gcra({ rate: 1, period: 1000, name: '' })).toThrow(/name must be a non-empty string/)
  })
})

describe('createRateLimiter validates at construction', () => {
  const store = referenceStore()
  it('rejects an empty composite, a foreign algorithm, a missing store, a duplicate limit', () => {
    expect(() => createRateLimiter({ store, algorithm: [] })).toThrow(ConfigError)
    expect(() => createRateLimiter({ store, algorithm: [] })).toThrow(/empty list/)
    expect(() => createRateLimiter({ store, algorithm: { kind: 'fixedWindow' } as Algorithm })).toThrow(
      /must come from a factory/,
    )
    expect(() =>
      createRateLimiter({ store: {} as Store, algorithm: fixedWindow({ limit: 1, window: 1 }) }),
    ).toThrow(/store must be a sluice Store/)
    const a = fixedWindow({ limit: 1, window: 1000 })
    expect(() =>
      createRateLimiter({ store, algorithm: [a, fixedWindow({ limit: 1, window: 1000 })] }),
    ).toThrow(/same limit appears twice/)
    expect(() => createRateLimiter({ store, algorithm: a, prefix: '' })).toThrow(
      /prefix must be a non-empty string/,
    )
    expect(() => createRateLimiter({ store, algorithm: a, clock: 5 as never })).toThrow(
      /clock must be a function/,
    )
  })

  it('rejects a clock that returns no usable time, at the call, consuming nothing', async () => {
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: 1000 }),
      clock: () => Number.NaN,
    })
    await expect(limiter.limit('k')).rejects.toThrow(
      /createRateLimiter: clock must return epoch milliseconds from 0 to 8640000000000000 \(as Date.now\(\) does\), got NaN/,
    )
  })

  it('rejects an algorithm or a composite the store does not support', () => {
    const limited = referenceStore({ algorithms: ['fixedWindow'], composite: false })
    expect(() => createRateLimiter({ store: limited, algorithm: gcra({ rate: 1, period: 1000 }) })).toThrow(
      UnsupportedAlgorithmError,
    )
    expect(() => createRateLimiter({ store: limited, algorithm: gcra({ rate: 1, period: 1000 }) })).toThrow(
      /cannot run gcra; it supports fixedWindow/,
    )
    const two = [fixedWindow({ limit: 1, window: 1000 }), fixedWindow({ limit: 5, window: 60_000 })]
    expect(() => createRateLimiter({ store: limited, algorithm: two })).toThrow(/cannot apply several limits/)
  })

  it('says why a store cannot run an algorithm when the store tells', () => {
    const base = referenceStore({ algorithms: ['fixedWindow'], composite: false })
    const store = {
      ...base,
      capabilities: { ...base.capabilities, unsupported: { gcra: 'no schedule here' } },
    }
    expect(() => createRateLimiter({ store, algorithm: gcra({ rate: 1, period: 1000 }) })).toThrow(
      /cannot run gcra \(no schedule here\); it supports fixedWindow/,
    )
  })
})

describe('calls reject bad input with an InputError and consume nothing', () => {
  const limiter = createRateLimiter({
    store: referenceStore(),
    algorithm: [gcra({ rate: 10, period: '1s', burst: 4 }), fixedWindow({ limit: 100, window: '1m' })],
    clock: () => 1_000_000,
  })
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2'])('cost = %s', async (cost) => {
    await expect(limiter.limit('k', { cost: cost as number })).rejects.toThrow(InputError)
    await expect(limiter.limit('k', { cost: cost as number })).rejects.toThrow(
      /cost must be a non-negative integer/,
    )
    expect((await limiter.peek('k')).remaining).toBe(4)
  })
  it('a cost no limit could ever admit is an error, not a denial that never clears', async () => {
    await expect(limiter.limit('k', { cost: 5 })).rejects.toThrow(
      /cost 5 can never be admitted: gcra:10\/1s admits at most 4/,
    )
    expect((await limiter.limit('k', { cost: 4 })).allowed).toBe(true)
  })
  it.each(['', 42, undefined, null, {}])('key = %s', async (key) => {
    await expect(limiter.limit(key as string)).rejects.toThrow(InputError)
    await expect(limiter.peek(key as string)).rejects.toThrow(/key must be a non-empty string/)
    await expect(limiter.reset(key as string)).rejects.toThrow(InputError)
  })
})

describe('createRateLimiter: durations by the one rule, nested options, the size of a composite', () => {
  const store = referenceStore()
  const network = { ...referenceStore(), applySync: undefined, name: 'net' }
  const algorithm = fixedWindow({ limit: 1, window: 1000 })

  it('timeoutMs and circuitBreaker.coolDownMs take milliseconds or duration strings', () => {
    expect(() =>
      createRateLimiter({
        store: network,
        algorithm,
        timeoutMs: '300ms',
        circuitBreaker: { coolDownMs: '2s' },
      }),
    ).not.toThrow()
    expect(storeTimeoutMs('1.5s', 'someStore')).toBe(1500)
    expect(storeTimeoutMs(undefined, 'someStore')).toBe(1000)
  })

  it.each([
    [
      'timeoutMs',
      { timeoutMs: 0.5 },
      /createRateLimiter: timeoutMs must be a whole number of milliseconds greater than 0 and at most 2147483647, got 0.5/,
    ],
    [
      'timeoutMs',
      { timeoutMs: '300' },
      /createRateLimiter: timeoutMs must be a number of milliseconds or a string like '500ms'.*got "300"/,
    ],
    ['timeoutMs', { timeoutMs: 2 ** 31 }, /at most 2147483647, got 2147483648/],
    ['timeoutMs', { timeoutMs: '30d' }, /at most 2147483647, got "30d"/],
    ['timeoutMs', { timeoutMs: Number.POSITIVE_INFINITY }, /got Infinity/],
    [
      'coolDownMs',
      { circuitBreaker: { coolDownMs: '0s' } },
      /createRateLimiter: circuitBreaker.coolDownMs must be .*greater than 0/,
    ],
    [
      'coolDownMs',
      { circuitBreaker: { coolDownMs: 1.5 } },
      /circuitBreaker.coolDownMs must be a whole number/,
    ],
  ])('%s: %o is a ConfigError', (_, extra, message) => {
    expect(() => createRateLimiter({ store: network, algorithm, ...(extra as object) })).toThrow(ConfigError)
    expect(() => createRateLimiter({ store: network, algorithm, ...(extra as object) })).toThrow(message)
  })

  it.each([
    [
      { circuitBreaker: { failure: 3 } },
      /createRateLimiter: circuitBreaker: unknown option "failure"; did you mean "failures"\?/,
    ],
    [
      { circuitBreaker: { coolDown: 100 } },
      /circuitBreaker: unknown option "coolDown"; did you mean "coolDownMs"\?/,
    ],
    [
      { denyCache: { maxkeys: 10 } },
      /createRateLimiter: denyCache: unknown option "maxkeys"; did you mean "maxKeys"\?/,
    ],
    [{ denyCache: { size: 10 } }, /denyCache: unknown option "size"; the options are maxKeys/],
    [{ circuitBreaker: [] }, /circuitBreaker must be false or \{ failures, coolDownMs \}/],
    [{ denyCache: [] }, /denyCache must be true, false or \{ maxKeys \}/],
  ])('nested options reject unknown keys: %o', (extra, message) => {
    expect(() => createRateLimiter({ store: network, algorithm, ...(extra as object) })).toThrow(message)
  })

  it(`more than MAX_LIMITS_PER_REQUEST (${MAX_LIMITS_PER_REQUEST}) limits is a ConfigError at construction`, () => {
    const many = Array.from({ length: MAX_LIMITS_PER_REQUEST + 1 }, (_, i) =>
      fixedWindow({ limit: i + 1, window: 1000 }),
    )
    expect(() => createRateLimiter({ store, algorithm: many })).toThrow(
      /createRateLimiter: algorithm has 257 limits; the most one limiter checks together is 256 \(MAX_LIMITS_PER_REQUEST\)/,
    )
    expect(createRateLimiter({ store, algorithm: many.slice(1) }).algorithms).toHaveLength(
      MAX_LIMITS_PER_REQUEST,
    )
  })
})
