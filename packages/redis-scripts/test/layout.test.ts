import type { LimitDecision } from '@sluice/core'
import { fixedWindow, gcra, leakyBucket, slidingLog, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import * as fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  engineCall,
  isSupportedRedisVersion,
  keySlot,
  MINIMUM_REDIS_VERSION,
  parseEngineReply,
  parseSingleReply,
  redisVersionOf,
  singleArgs,
  storeKeys,
} from '../src/index.ts'
import { PARAM_WORDS, paramText } from '../src/layout.ts'

const request = (over: Partial<StoreRequest> = {}): StoreRequest => ({
  key: 'api:user{1}',
  limits: [fixedWindow({ limit: 3, window: 1000 })],
  cost: 2,
  consume: true,
  now: 1_700_000_000_123,
  ...over,
})

describe('singleArgs', () => {
  it("lays out now, cost, mode, then the limit's two or three params", () => {
    expect(singleArgs(request(), 'server')).toEqual(['1700000000123', '2', '1', '3', '1000', '0'])
    const tb = tokenBucket({ capacity: 5, refillRate: 1 / 3 })
    const p = tb.params as { tokenUnits: number; refillUnitsPerMs: number }
    expect(singleArgs(request({ limits: [tb], consume: false, cost: 0 }), 'server')).toEqual([
      '1700000000123',
      '0',
      '0',
      '5',
      String(p.tokenUnits),
      String(p.refillUnitsPerMs),
    ])
    expect(
      singleArgs(request({ limits: [gcra({ rate: 30, period: '1m', burst: 16 })] }), 'server').slice(3),
    ).toEqual(['2000', '1', '16'])
    expect(singleArgs(request({ maxDelayMs: 250 }), 'server')[2]).toBe('1:250')
    expect(singleArgs(request({ maxDelayMs: 0, consume: false }), 'server')[2]).toBe('0:0')
  })

  it('lets request.now win over both clocks; without it sends "" (server) or Date.now() (client)', () => {
    vi.spyOn(Date, 'now').mockReturnValue(42)
    try {
      expect(singleArgs(request(), 'client')[0]).toBe('1700000000123')
      expect(singleArgs(request({ now: undefined }), 'server')[0]).toBe('')
      expect(singleArgs(request({ now: undefined }), 'client')[0]).toBe('42')
    } finally {
      vi.restoreAllMocks()
    }
  })

  it("sends fixedWindow's align as the index of its word: 'epoch' 0, 'first-request' 1, absent 0", () => {
    const first = fixedWindow({ limit: 3, window: 1000, align: 'first-request' })
    expect(singleArgs(request({ limits: [first] }), 'server').slice(3)).toEqual(['3', '1000', '1'])
    const epoch = fixedWindow({ limit: 3, window: 1000, align: 'epoch' })
    expect(singleArgs(request({ limits: [epoch] }), 'server').slice(3)).toEqual(['3', '1000', '0'])
    // Params written before align existed (a hand-made limit, the deprecated step's callers).
    const bare = { ...fixedWindow({ limit: 4, window: 1000 }), params: { limit: 4, windowMs: 1000 } }
    expect(singleArgs(request({ limits: [bare] }), 'server').slice(3)).toEqual(['4', '1000', '0'])
    const odd = {
      ...fixedWindow({ limit: 5, window: 1000 }),
      params: { limit: 5, windowMs: 1000, align: 'x' },
    }
    expect(() => singleArgs(request({ limits: [odd] }), 'server')).toThrow(
      /fixedWindow param align must be one of epoch, first-request, got x/,
    )
  })

  it('paramText: numbers as their shortest text, words as their index (the order fixedWindow.lua reads)', () => {
    // fixedWindow.lua tests align == 1 for 'first-request': the order is part of the contract.
    expect(PARAM_WORDS.align).toEqual(['epoch', 'first-request'])
    expect(paramText('fixedWindow', 'align', 'first-request')).toBe('1')
    expect(paramText('fixedWindow', 'align', undefined)).toBe('0')
    expect(paramText('tokenBucket', 'refillUnitsPerMs', 1 / 3)).toBe(String(1 / 3))
    expect(() => paramText('gcra', 'burst', Number.NaN)).toThrow(/gcra param burst must be a finite number/)
    expect(() => paramText('gcra', 'burst', undefined)).toThrow(/must be a finite number, got undefined/)
  })

  it('refuses a limit it has no twin for', () => {
    const bogus = { ...slidingLog({ limit: 1, window: 1 }), kind: 'quota' } as never
    expect(() => singleArgs(request({ limits: [bogus] }), 'server')).toThrow(/no Lua twin/)
  })
})

describe('engineCall', () => {
  it('lists each limit spec once, then one text of the decisions, then the keys past the declared ones', () => {
    const fw = fixedWindow({ limit: 3, window: 1000 })
    const lb = leakyBucket({ capacity: 2, leakRate: 0.5 })
    const a = request({ key: 'a', limits: [fw] })
    const b = request({ key: 'b', limits: [fw, lb], cost: 1, consume: false, maxDelayMs: 9 })
    const decisions = [a, b].map((r) => ({ request: r, keys: storeKeys('p:', r.key, r.limits) }))
    const { keys, args } = engineCall(decisions, 1, 'server')
    expect(keys).toEqual(['p:{a}:fw:3:1000:b'])
    const lbp = lb.params as { intervalNum: number; intervalDen: number }
    const [fwId, lbId] = [args[3] as string, args[8] as string]
    expect(args).toEqual([
      '1',
      '2',
      '2',
      fwId,
      'fixedWindow',
      '3',
      '1000',
      '0',
      lbId,
      'leakyBucket',
      '2',
      String(lbp.intervalNum),
      String(lbp.intervalDen),
      `${fwId} 1700000000123 2 1\n${fwId},${lbId} 1700000000123 1 0:9\n`,
      ...storeKeys('p:', 'b', [fw, lb]),
    ])
    expect(fwId).not.toBe(lbId)
  })
})

describe('replies', () => {
  it('parseSingleReply: allowed, remaining, resetAfterMs and the wait; limit from the spec', () => {
    const fw = fixedWindow({ limit: 3, window: 1000 })
    expect(parseSingleReply([1, 2, '999.5', 0], fw)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetAfterMs: 999.5,
      retryAfterMs: 0,
      delayMs: 0,
    })
    expect(parseSingleReply([0, 0, 2000, 1500], gcra({ rate: 1, period: 1000, burst: 16 }))).toEqual({
      allowed: false,
      limit: 16,
      remaining: 0,
      resetAfterMs: 2000,
      retryAfterMs: 1500,
      delayMs: 0,
    })
    expect(parseSingleReply([1, 0, 2000, 1000], leakyBucket({ capacity: 2, leakRate: 1 }))).toMatchObject({
      limit: 3,
      delayMs: 1000,
      retryAfterMs: 0,
    })
    expect(() => parseSingleReply('OK', fw)).toThrow(/expected 4 values/)
    expect(() => parseSingleReply([1, null, 1, 1], fw)).toThrow(TypeError)
  })

  it('parseEngineReply: per decision its limits, or the error text; a broken shape throws', () => {
    const fw = fixedWindow({ limit: 3, window: 1000 })
    const tb = tokenBucket({ capacity: 5, refillRate: 1 })
    const one = { request: request({ limits: [fw] }) }
    const two = { request: request({ limits: [fw, tb] }) }
    const fwAdmits = { allowed: true, limit: 3, remaining: 2, resetAfterMs: 100, retryAfterMs: 0, delayMs: 0 }
    expect(
      parseEngineReply(
        ['1 1 2 100 0 0 2 1 0 2 100 5 1 4 1000 0 0 1', 'ERR first', 'WRONGTYPE x'],
        [one, two, two, one],
      ),
    ).toEqual([
      [fwAdmits],
      'WRONGTYPE x',
      [
        { allowed: false, limit: 3, remaining: 2, resetAfterMs: 100, retryAfterMs: 5, delayMs: 0 },
        { allowed: true, limit: 5, remaining: 4, resetAfterMs: 1000, retryAfterMs: 0, delayMs: 0 },
      ],
      'ERR first',
    ])
    // Without errors, the text alone; its words are read exactly: fractions, -0, past 15 digits.
    expect(parseEngineReply('1 1 2 100 0', [one])).toEqual([[fwAdmits]])
    const [[exact]] = parseEngineReply('1 0 -0 999.5 1234567890123456', [one]) as [[LimitDecision]]
    expect(exact).toStrictEqual({
      allowed: false,
      limit: 3,
      remaining: -0,
      resetAfterMs: 999.5,
      retryAfterMs: 1234567890123456,
      delayMs: 0,
    })
    expect(() => parseEngineReply('OK', [one])).toThrow(/expected numbers/)
    expect(() => parseEngineReply('1  1 2 100 0', [one])).toThrow(/expected numbers/)
    expect(() => parseEngineReply([1, 1, 2, 100, 0], [one])).toThrow(/expected the engine's text/)
    expect(() => parseEngineReply(['0 3', 'ERR only one'], [one])).toThrow(/error 3 is not in its reply/)
    expect(() => parseEngineReply('0 1', [one])).toThrow(/error 1 is not in its reply/)
    expect(() => parseEngineReply('1 1 2', [one])).toThrow(/ends or breaks/)
    expect(() => parseEngineReply('1 1 2 100 0 9', [one])).toThrow(/too many/)
  })
})

describe("the engine's text reply", () => {
  // C's texts of the non-finite, as Lua writes them; every finite double as any exact text of it.
  const textOf = (x: number): string =>
    Number.isNaN(x)
      ? 'nan'
      : x === Number.POSITIVE_INFINITY
        ? 'inf'
        : x === -Infinity
          ? '-inf'
          : Object.is(x, -0)
            ? '-0'
            : String(x)

  it('reads every number back exactly: whole numbers digit by digit, any other word as Number does', () => {
    const one = { request: request({ limits: [fixedWindow({ limit: 3, window: 1000 })] }) }
    const values = fc.oneof(
      fc.double(),
      fc.integer({ min: -1e15, max: 1e15 }),
      fc.constantFrom(-0, 0, 1e14, -1e14),
    )
    fc.assert(
      fc.property(values, values, (a, b) => {
        const [[read]] = parseEngineReply(`1 0 ${textOf(a)} ${textOf(b)} 0`, [one]) as [[LimitDecision]]
        const expected = (x: number) => (Number.isFinite(x) ? x : Number.NaN)
        expect(read.remaining).toBe(expected(a))
        expect(read.resetAfterMs).toBe(expected(b))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('keySlot', () => {
  it("is Redis's CLUSTER KEYSLOT: CRC16 of the hash tag, or of the whole key without one", () => {
    // Values from Redis's own documentation and `CLUSTER KEYSLOT`.
    expect(keySlot('123456789')).toBe(12739)
    expect(keySlot('foo')).toBe(12182)
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'))
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'))
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'))
    expect(keySlot('{}x')).not.toBe(keySlot('x'))
  })
})

describe('version', () => {
  it('reads redis_version from INFO and compares to the minimum', () => {
    expect(redisVersionOf('# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n')).toBe('7.0.15')
    expect(redisVersionOf('# Server\r\n')).toBeUndefined()
    expect(MINIMUM_REDIS_VERSION).toBe('5.0.0')
    expect(isSupportedRedisVersion('7.0.15')).toBe(true)
    expect(isSupportedRedisVersion('5.0.0')).toBe(true)
    expect(isSupportedRedisVersion('10.0.0')).toBe(true)
    expect(isSupportedRedisVersion('4.0.14')).toBe(false)
    expect(isSupportedRedisVersion('3.2.12')).toBe(false)
    expect(isSupportedRedisVersion('garbage')).toBe(false)
  })
})
