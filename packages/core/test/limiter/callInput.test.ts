// A call's own arguments: key length, the options object, maxDelayMs. InputErrors before any store call.
import { describe, expect, it } from 'vitest'
import { ConfigError, createRateLimiter, fixedWindow, InputError, leakyBucket } from '../../src/index.ts'
import { MAX_KEY_LENGTH } from '../../src/keys.ts'
import { testStore } from '../resilience/support.ts'

const algorithm = fixedWindow({ limit: 10, window: '1m' })

describe('key length', () => {
  it(`a key of ${MAX_KEY_LENGTH} UTF-16 units is fine; one more is an InputError before any store call`, async () => {
    const s = testStore()
    const limiter = createRateLimiter({ store: s.store, algorithm })
    expect((await limiter.limit('k'.repeat(MAX_KEY_LENGTH))).allowed).toBe(true)
    expect(s.counts.apply).toBe(1)
    const long = `${'a'.repeat(MAX_KEY_LENGTH - 12)}@example.com!`
    for (const call of [() => limiter.limit(long), () => limiter.peek(long), () => limiter.reset(long)]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(
        new RegExp(
          `^key is ${MAX_KEY_LENGTH + 1} UTF-16 code units long; the most is ${MAX_KEY_LENGTH} \\(MAX_KEY_LENGTH\\)\\. Hash long keys`,
        ),
      )
      // The message never carries the key itself (it may be an e-mail address).
      expect((error as Error).message).not.toContain('@example.com')
    }
    expect(s.counts.apply).toBe(1)
    expect(s.counts.reset).toBe(0)
  })

  it('counts UTF-16 code units, as String.length does', async () => {
    const limiter = createRateLimiter({ store: testStore().store, algorithm })
    // 512 astral characters are 1024 units; 513 are 1026.
    expect((await limiter.limit('😀'.repeat(512))).allowed).toBe(true)
    await expect(limiter.limit('😀'.repeat(513))).rejects.toThrow(/key is 1026 UTF-16 code units long/)
  })

  it('a prefix is bounded the same way, at construction', () => {
    const { store } = testStore()
    expect(() => createRateLimiter({ store, algorithm, prefix: 'p'.repeat(MAX_KEY_LENGTH) })).not.toThrow()
    expect(() => createRateLimiter({ store, algorithm, prefix: 'p'.repeat(MAX_KEY_LENGTH + 1) })).toThrow(
      ConfigError,
    )
    expect(() => createRateLimiter({ store, algorithm, prefix: 'p'.repeat(5000) })).toThrow(
      /createRateLimiter: prefix is 5000 UTF-16 code units long; the most is 1024/,
    )
  })
})

describe('call options', () => {
  const s = testStore()
  const limiter = createRateLimiter({ store: s.store, algorithm: leakyBucket({ capacity: 3, leakRate: 1 }) })

  it.each([
    [5, /limit\(key, options\): options must be an object, got 5; to take 5 units, pass \{ cost: 5 \}/],
    ['5', /got "5"; to take n units, pass \{ cost: n \}/],
    [null, /got null/],
    [[1], /got \[object Array\]/],
    [true, /got true/],
  ])('limit("k", %s) is an InputError that says to pass { cost }', async (options, message) => {
    const before = s.counts.apply
    const error = await limiter.limit('k', options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toMatch(message)
    await expect(limiter.peek('k', options as never)).rejects.toThrow(/^peek\(key, options\)/)
    expect(s.counts.apply).toBe(before)
  })

  it.each([
    ['cots', /limit: unknown option "cots"; did you mean "cost"\?/],
    ['maxDelay', /limit: unknown option "maxDelay"; did you mean "maxDelayMs"\?/],
    ['weight', /limit: unknown option "weight"; the units a request takes are its cost: \{ cost: n \}/],
    ['zzzzzzzz', /limit: unknown option "zzzzzzzz"; the options are cost, maxDelayMs/],
  ])('an unknown option %s is an InputError with a pointer', async (name, message) => {
    const error = await limiter.limit('k', { [name]: 2 } as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toMatch(message)
  })

  it('maxDelayMs follows the one duration rule, as an InputError', async () => {
    const shaping = createRateLimiter({
      store: testStore().store,
      algorithm: leakyBucket({ capacity: 3, leakRate: 1 }),
      clock: () => 1_767_225_600_000,
    })
    // On a frozen clock the calls wait 0, 1 s, 2 s…: each bound below admits or refuses by that.
    expect((await shaping.limit('d', { maxDelayMs: '2s' })).delayMs).toBe(0)
    expect((await shaping.limit('d', { maxDelayMs: Number.POSITIVE_INFINITY })).delayMs).toBe(1000)
    expect((await shaping.limit('d', { maxDelayMs: '1500ms' })).allowed).toBe(false)
    expect((await shaping.limit('d', { maxDelayMs: '0.5h' })).delayMs).toBe(2000)
    expect((await shaping.limit('d', { maxDelayMs: 0 })).allowed).toBe(false)
    for (const bad of [1.5, -1, Number.NaN, '2 seconds', '', Number.NEGATIVE_INFINITY, {}]) {
      const error = await limiter.limit('d', { maxDelayMs: bad as never }).catch((e: unknown) => e)
      expect(error, String(bad)).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(/^maxDelayMs must be/)
    }
  })
})
