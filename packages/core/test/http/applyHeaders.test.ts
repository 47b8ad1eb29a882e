import { describe, expect, it } from 'vitest'
import { applyHeaders, type HeaderEntry } from '../../src/entries/http.ts'

function response() {
  const headers = new Map<string, string>()
  return {
    headers,
    target: {
      get: (n: string) => headers.get(n.toLowerCase()),
      set: (n: string, v: string) => void headers.set(n.toLowerCase(), v),
    },
  }
}

const legacy = (limit: number, remaining: number, reset: number): HeaderEntry[] => [
  ['X-RateLimit-Limit', String(limit)],
  ['X-RateLimit-Remaining', String(remaining)],
  ['X-RateLimit-Reset', String(reset)],
]

describe('applyHeaders', () => {
  it('two middlewares append list members to RateLimit and RateLimit-Policy', () => {
    const { headers, target } = response()
    applyHeaders(
      [
        ['RateLimit-Policy', '"a";q=10;w=1'],
        ['RateLimit', '"a";r=9;t=1'],
      ],
      target,
    )
    applyHeaders(
      [
        ['RateLimit-Policy', '"b";q=100;w=60'],
        ['RateLimit', '"b";r=50;t=30'],
      ],
      target,
    )
    expect(headers.get('ratelimit-policy')).toBe('"a";q=10;w=1, "b";q=100;w=60')
    expect(headers.get('ratelimit')).toBe('"a";r=9;t=1, "b";r=50;t=30')
  })

  it('legacy headers describe the tightest middleware, as one group', () => {
    const { headers, target } = response()
    applyHeaders(legacy(10, 3, 100), target)
    applyHeaders(legacy(100, 50, 200), target)
    expect([...headers.values()]).toEqual(['10', '3', '100'])
    applyHeaders(legacy(5, 3, 300), target)
    expect([...headers.values()]).toEqual(['5', '3', '300'])
  })

  it('a refusal always takes the legacy headers, and sets Retry-After and Cache-Control', () => {
    const { headers, target } = response()
    applyHeaders(legacy(10, 0, 100), target)
    applyHeaders([...legacy(100, 4, 200), ['Retry-After', '7'], ['Cache-Control', 'no-store']], target)
    expect(Object.fromEntries(headers)).toEqual({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': '200',
      'retry-after': '7',
      'cache-control': 'no-store',
    })
  })
})
