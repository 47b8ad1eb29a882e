import { describe, expect, it } from 'vitest'
import { headerFormatter, secondsUp } from '../../src/http/headers.ts'

const api = { name: 'api', quota: 100, windowMs: 60_000 }
const hourly = { name: 'hourly', quota: 1000, windowMs: 3_600_000 }
const NOW = 1_700_000_000_250 // epoch ms, deliberately not on a second

describe('secondsUp: whole seconds rounded up', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [41_001, 42],
    [42_000, 42],
  ])('%i ms → %i s', (ms, s) => {
    expect(secondsUp(ms)).toBe(s)
  })
})

describe('headerFormatter', () => {
  it("'draft-10': RateLimit-Policy and RateLimit, exact bytes", () => {
    const f = headerFormatter('draft-10', [api])
    expect(f.format([{ remaining: 99, resetMs: 41_001 }], 0, NOW)).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60'],
      ['RateLimit', '"api";r=99;t=42'],
    ])
  })

  it('a composite reports every policy as one list member each', () => {
    const f = headerFormatter('draft-10', [api, hourly])
    const status = [
      { remaining: 0, resetMs: 1500 },
      { remaining: 998, resetMs: 3_599_000 },
    ]
    expect(f.format(status, 0, NOW)).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60, "hourly";q=1000;w=3600'],
      ['RateLimit', '"api";r=0;t=2, "hourly";r=998;t=3599'],
    ])
  })

  it('w is whole seconds rounded up and never 0; r is never negative', () => {
    const f = headerFormatter('draft-10', [
      { name: 'fast', quota: 5, windowMs: 250 },
      { ...api, windowMs: 1500 },
    ])
    expect(
      f.format(
        [
          { remaining: -1, resetMs: 0 },
          { remaining: 3, resetMs: 1 },
        ],
        0,
        NOW,
      ),
    ).toEqual([
      ['RateLimit-Policy', '"fast";q=5;w=1, "api";q=100;w=2'],
      ['RateLimit', '"fast";r=0;t=0, "api";r=3;t=1'],
    ])
  })

  it('escapes policy names in both fields', () => {
    const f = headerFormatter('draft-10', [{ name: 'a"b\\c', quota: 1, windowMs: 1000 }])
    expect(f.format([{ remaining: 0, resetMs: 1000 }], 0, NOW)).toEqual([
      ['RateLimit-Policy', '"a\\"b\\\\c";q=1;w=1'],
      ['RateLimit', '"a\\"b\\\\c";r=0;t=1'],
    ])
  })

  it("'legacy': X-RateLimit-Limit/Remaining/Reset of the headline policy, Reset in epoch seconds", () => {
    const f = headerFormatter('legacy', [api, hourly])
    const status = [
      { remaining: 40, resetMs: 30_000 },
      { remaining: 7, resetMs: 1_000_000 },
    ]
    expect(f.format(status, 1, NOW)).toEqual([
      ['X-RateLimit-Limit', '1000'],
      ['X-RateLimit-Remaining', '7'],
      ['X-RateLimit-Reset', String(Math.ceil((NOW + 1_000_000) / 1000))],
    ])
    expect(Math.ceil((NOW + 1_000_000) / 1000)).toBe(1_700_001_001)
  })

  it("'both' sends draft-10 then legacy; false sends nothing", () => {
    const status = [{ remaining: 99, resetMs: 42_000 }]
    expect(headerFormatter('both', [api]).format(status, 0, NOW)).toEqual([
      ['RateLimit-Policy', '"api";q=100;w=60'],
      ['RateLimit', '"api";r=99;t=42'],
      ['X-RateLimit-Limit', '100'],
      ['X-RateLimit-Remaining', '99'],
      ['X-RateLimit-Reset', '1700000043'],
    ])
    expect(headerFormatter(false, [api]).format(status, 0, NOW)).toEqual([])
  })
})
