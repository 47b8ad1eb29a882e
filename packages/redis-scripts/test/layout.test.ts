import { fixedWindow, gcra, leakyBucket, slidingLog, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { describe, expect, it, vi } from 'vitest'
import {
  applyCall,
  isSupportedRedisVersion,
  MINIMUM_REDIS_VERSION,
  parseApplyReply,
  redisVersionOf,
} from '../src/index.ts'

const request = (over: Partial<StoreRequest> = {}): StoreRequest => ({
  key: 'api:user{1}',
  limits: [fixedWindow({ limit: 3, window: 1000 })],
  cost: 2,
  consume: true,
  now: 1_700_000_000_123,
  ...over,
})

describe('applyCall', () => {
  it('lays out KEYS and ARGV: now, cost, consume, maxDelayMs, then kind + 3 params per limit', () => {
    const limits = [
      fixedWindow({ limit: 3, window: 1000 }),
      tokenBucket({ capacity: 5, refillRate: 1 / 3 }),
      gcra({ rate: 30, period: '1m', burst: 16 }),
      leakyBucket({ capacity: 2, leakRate: 0.5 }),
    ]
    const call = applyCall('p:', request({ limits }))
    expect(call.keys).toEqual(limits.map((l) => `p:{api:user%7B1%7D}:${l.id}`))
    const tb = limits[1]?.params as { tokenUnits: number; refillUnitsPerMs: number }
    const lb = limits[3]?.params as { intervalNum: number; intervalDen: number }
    expect(call.argv).toEqual([
      '1700000000123',
      '2',
      '1',
      '',
      'fixedWindow',
      '3',
      '1000',
      '',
      'tokenBucket',
      '5',
      String(tb.tokenUnits),
      String(tb.refillUnitsPerMs),
      'gcra',
      '2000',
      '1',
      '16',
      'leakyBucket',
      '2',
      String(lb.intervalNum),
      String(lb.intervalDen),
    ])
  })

  it('lets request.now win over both clocks; without it sends "" (server) or Date.now() (client)', () => {
    vi.spyOn(Date, 'now').mockReturnValue(42)
    try {
      expect(applyCall('', request(), 'client').argv[0]).toBe('1700000000123')
      expect(applyCall('', request({ now: undefined }), 'server').argv[0]).toBe('')
      expect(applyCall('', request({ now: undefined })).argv[0]).toBe('')
      expect(applyCall('', request({ now: undefined }), 'client').argv[0]).toBe('42')
    } finally {
      vi.restoreAllMocks()
    }
    expect(applyCall('', request({ consume: false, cost: 0 })).argv.slice(1, 3)).toEqual(['0', '0'])
    expect(applyCall('', request({ maxDelayMs: 250 })).argv[3]).toBe('250')
  })

  it('refuses a limit it has no twin for', () => {
    const bogus = { ...slidingLog({ limit: 1, window: 1 }), kind: 'concurrency' } as never
    expect(() => applyCall('', request({ limits: [bogus] }))).toThrow(/no Lua twin/)
  })
})

describe('parseApplyReply', () => {
  it('reads 6 values per limit, floats from strings', () => {
    expect(
      parseApplyReply(['1', '3', '2', '999.5', '0', '0', '0', '16', '0', '2000', '1500', '0'], 2),
    ).toEqual([
      { allowed: true, limit: 3, remaining: 2, resetAfterMs: 999.5, retryAfterMs: 0, delayMs: 0 },
      { allowed: false, limit: 16, remaining: 0, resetAfterMs: 2000, retryAfterMs: 1500, delayMs: 0 },
    ])
    expect(parseApplyReply([1, 3, 2, 1, 0, 0], 1)[0]?.allowed).toBe(true)
  })

  it('throws on a reply of the wrong shape', () => {
    expect(() => parseApplyReply('OK', 1)).toThrow(/expected 6 values/)
    expect(() => parseApplyReply(['1'], 1)).toThrow(/got an array of 1/)
    expect(() => parseApplyReply([null, 1, 1, 1, 1, 1], 1)).toThrow(TypeError)
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
