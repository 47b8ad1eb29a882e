// Penalties in core: blockDuration, escalation, ban/unban, blockedUntil, options, the deny cache.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { type Penalty, penaltyStep } from '../../src/entries/store.ts'
import {
  ConfigError,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  InputError,
  parseRules,
  type RateLimiterOptions,
  type Store,
  tokenBucket,
} from '../../src/index.ts'

const T0 = 1_700_000_000_000

function limiterAt(now: { t: number }, options: Partial<RateLimiterOptions> = {}) {
  return createRateLimiter({
    store: referenceStore(),
    algorithm: fixedWindow({ limit: 2, window: 1000 }),
    clock: () => now.t,
    // The store's answers, not the deny cache's (tested on its own below).
    denyCache: false,
    ...options,
  })
}

/** allowed, retryAfterMs, blockedUntil (relative to T0) of a decision. */
const brief = (d: Decision) => [
  d.allowed,
  d.retryAfterMs,
  d.blockedUntil === undefined ? '-' : d.blockedUntil - T0,
]

describe('blockDuration', () => {
  it('the worked example: a denial blocks the key, every call is refused until the block ends', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, { blockDuration: '10s' })
    expect(brief(await limiter.limit('k'))).toStrictEqual([true, 0, '-'])
    expect(brief(await limiter.limit('k'))).toStrictEqual([true, 0, '-'])
    // The third call is denied by the window (retry in 1000 ms) and starts a 10 s block.
    expect(brief(await limiter.limit('k'))).toStrictEqual([false, 10_000, 10_000])
    now.t = T0 + 2500 // the window has rolled, the block has not ended
    const blocked = await limiter.limit('k')
    expect(brief(blocked)).toStrictEqual([false, 7500, 10_000])
    expect(blocked.remaining).toBe(0)
    expect(blocked.resetAfterMs).toBe(7500)
    // A peek sees the block too; another key does not.
    expect(brief(await limiter.peek('k'))).toStrictEqual([false, 7500, 10_000])
    expect((await limiter.limit('other')).allowed).toBe(true)
    now.t = T0 + 10_000
    // Nothing was counted while blocked: the window is fresh.
    const after = await limiter.limit('k')
    expect(brief(after)).toStrictEqual([true, 0, '-'])
    expect(after.remaining).toBe(1)
  })

  it('a denied peek starts no block, nor does a cost of 0', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, { blockDuration: '10s' })
    await limiter.limit('k', { cost: 2 })
    expect(brief(await limiter.peek('k', { cost: 1 }))).toStrictEqual([false, 1000, '-'])
    expect((await limiter.limit('k', { cost: 0 })).blockedUntil).toBeUndefined()
    now.t = T0 + 1000
    expect((await limiter.limit('k')).allowed).toBe(true)
  })

  it('blockDuration 0 blocks nothing after a denial, yet bans work', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, { blockDuration: 0 })
    await limiter.limit('k', { cost: 2 })
    expect(brief(await limiter.limit('k'))).toStrictEqual([false, 1000, '-'])
    await limiter.ban('k', '1m')
    now.t = T0 + 5000
    expect(brief(await limiter.limit('k'))).toStrictEqual([false, 55_000, 60_000])
  })

  it('a composite: a denial by any limit blocks the key for every limit', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, {
      algorithm: [fixedWindow({ limit: 1, window: 1000 }), gcra({ rate: 100, period: '1s' })],
      blockDuration: 3000,
    })
    await limiter.limit('k')
    const denied = await limiter.limit('k')
    expect(denied.blockedUntil).toBe(T0 + 3000)
    expect(denied.retryAfterMs).toBe(3000)
    now.t = T0 + 1000
    const blocked = await limiter.limit('k')
    expect(blocked.policies.map((p) => [p.allowed, p.retryAfterMs])).toStrictEqual([
      [false, 2000],
      [false, 2000],
    ])
  })
})

describe('blockEscalation', () => {
  it('the worked example: blocks double within forgetAfter, capped, then start over', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, {
      algorithm: fixedWindow({ limit: 1, window: 100 }),
      blockDuration: 1000,
      blockEscalation: { factor: 2, maxBlockDuration: 5000, forgetAfter: 10_000 },
    })
    const offend = async () => {
      await limiter.limit('k')
      const d = await limiter.limit('k')
      expect(d.allowed).toBe(false)
      const ms = (d.blockedUntil as number) - now.t
      now.t = d.blockedUntil as number
      return ms
    }
    const blocks: number[] = []
    for (let i = 0; i < 5; i++) blocks.push(await offend())
    expect(blocks).toStrictEqual([1000, 2000, 4000, 5000, 5000])
    now.t += 10_000 // forgetAfter past the last block's end: back to blockDuration
    expect(await offend()).toBe(1000)
  })

  it('unban lifts the block and forgets the level', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, {
      algorithm: fixedWindow({ limit: 1, window: 100 }),
      blockDuration: 1000,
      blockEscalation: { maxBlockDuration: '1m' },
    })
    await limiter.limit('k')
    expect((await limiter.limit('k')).blockedUntil).toBe(T0 + 1000)
    await limiter.unban('k')
    now.t = T0 + 100
    expect((await limiter.limit('k')).allowed).toBe(true)
    expect((await limiter.limit('k')).blockedUntil).toBe(T0 + 100 + 1000)
  })

  it('penaltyStep rounds a fractional factor up, as the Lua twin does', () => {
    const penalty: Penalty = { blockMs: 1001, factor: 1.5, maxBlockMs: 100_000, forgetAfterMs: 100_000 }
    const limit = fixedWindow({ limit: 1, window: 10 })
    const held = [T0, 1001, T0 + 100_000] as const
    const { block } = penaltyStep([limit], [[T0, 1]], held, T0 + 1, 1, true, undefined, penalty)
    expect(block?.state).toStrictEqual([T0 + 1 + 1502, 1502, T0 + 1 + 1502 + 100_000])
  })
})

describe('ban and unban', () => {
  it('ban blocks at once, may shorten a block, unban lifts it; another key is untouched', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, { blockDuration: '1h' })
    await limiter.ban('k', '10m')
    expect(brief(await limiter.limit('k'))).toStrictEqual([false, 600_000, 600_000])
    await limiter.ban('k', 5000)
    expect(brief(await limiter.peek('k'))).toStrictEqual([false, 5000, 5000])
    expect((await limiter.limit('k2')).allowed).toBe(true)
    await limiter.unban('k')
    expect(brief(await limiter.limit('k'))).toStrictEqual([true, 0, '-'])
    // Unbanning a key that is not blocked is fine.
    await limiter.unban('never')
  })

  it('a limiter without blockDuration: ban and unban are ConfigErrors, and no block is read', async () => {
    const store = referenceStore()
    const seen: unknown[] = []
    const spy = {
      ...store,
      apply: (r: Parameters<typeof store.apply>[0]) => {
        seen.push(r.penalty)
        return store.apply(r)
      },
    }
    const limiter = createRateLimiter({ store: spy, algorithm: fixedWindow({ limit: 1, window: 1000 }) })
    await expect(limiter.ban('k', 1000)).rejects.toThrow(ConfigError)
    await expect(limiter.unban('k')).rejects.toThrow(/blockDuration/)
    await limiter.limit('k')
    expect(seen).toStrictEqual([undefined])
  })

  it('bad input is an InputError', async () => {
    const limiter = limiterAt({ t: T0 }, { blockDuration: 0 })
    for (const bad of [0, -1, 1.5, 'soon', Number.POSITIVE_INFINITY, 366 * 86_400_000]) {
      await expect(limiter.ban('k', bad as number)).rejects.toThrow(InputError)
    }
    await expect(limiter.ban('', 1000)).rejects.toThrow(InputError)
    await expect(limiter.unban(42 as unknown as string)).rejects.toThrow(InputError)
  })

  it('the deny cache holds a block until it ends, and unban forgets it', async () => {
    const now = { t: T0 }
    const reference = referenceStore()
    let calls = 0
    const store: Store = {
      ...reference,
      apply: (r) => {
        calls++
        return reference.apply(r)
      },
    }
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 5, window: 1000 }),
      clock: () => now.t,
      blockDuration: 0,
      denyCache: true,
    })
    await limiter.ban('k', 60_000)
    expect((await limiter.limit('k')).blockedUntil).toBe(T0 + 60_000)
    const before = calls
    now.t = T0 + 30_000
    const cached = await limiter.limit('k')
    expect(cached.allowed).toBe(false)
    expect(cached.retryAfterMs).toBe(30_000)
    expect(calls).toBe(before)
    await limiter.unban('k')
    expect((await limiter.limit('k')).allowed).toBe(true)
  })
})

describe('options', () => {
  const store = referenceStore()
  const algorithm = tokenBucket({ capacity: 5, refillRate: 1 })
  const make = (options: Record<string, unknown>) =>
    createRateLimiter({ store, algorithm, ...options } as unknown as RateLimiterOptions)

  it.each([
    [{ blockDuration: -1 }, 'blockDuration'],
    [{ blockDuration: '1 week' }, 'blockDuration'],
    [{ blockDuration: 400 * 86_400_000 }, 'at most'],
    [{ blockEscalation: { maxBlockDuration: '1h' } }, 'give blockDuration too'],
    [{ blockDuration: 0, blockEscalation: { maxBlockDuration: '1h' } }, 'above 0'],
    [{ blockDuration: '1m', blockEscalation: { maxBlockDuration: '30s' } }, 'at least blockDuration'],
    [{ blockDuration: '1m', blockEscalation: { factor: 0.5, maxBlockDuration: '1h' } }, 'factor'],
    [{ blockDuration: '1m', blockEscalation: { factor: '2', maxBlockDuration: '1h' } }, 'factor'],
    [{ blockDuration: '1m', blockEscalation: {} }, 'maxBlockDuration'],
    [{ blockDuration: '1m', blockEscalation: { maxBlockDuration: '1h', forgetAfer: '1h' } }, 'forgetAfter'],
    [{ blockDuraton: '1m' }, 'blockDuration'],
    [{ blockDurationMs: 1000 }, 'use blockDuration'],
    [{ inMemoryBlockOnConsumed: 10 }, 'blockDuration'],
  ])('%o is a ConfigError naming %s', (options, words) => {
    expect(() => make(options)).toThrow(ConfigError)
    expect(() => make(options)).toThrow(words)
  })

  it('a store without penalties, and a rules limiter, refuse blockDuration', () => {
    const plain = referenceStore({ penalties: false })
    expect(() => createRateLimiter({ store: plain, algorithm, blockDuration: '1m' })).toThrow(
      /cannot keep blocks/,
    )
    const rules = parseRules({
      domain: 'd',
      descriptors: [{ key: 'user', rate_limit: { unit: 'second', requests_per_unit: 5 } }],
    })
    expect(() =>
      createRateLimiter({ store, rules, blockDuration: '1m' } as unknown as RateLimiterOptions),
    ).toThrow(/rules limiter/)
  })

  it('a store claiming penalties without ban and unban cannot take blockDuration (other limiters still can)', () => {
    const wrapped = { ...referenceStore(), ban: undefined }
    expect(() => createRateLimiter({ store: wrapped, algorithm, blockDuration: 0 })).toThrow(
      /no ban or unban/,
    )
    expect(createRateLimiter({ store: wrapped, algorithm }).algorithms).toHaveLength(1)
  })
})
