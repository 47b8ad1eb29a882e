// A rules limiter's headers: one formatter per set of matched policies, made once and reused.
import { describe, expect, it } from 'vitest'
import { matchedHeaders } from '../../src/http/ruleHeaders.ts'
import { fixedWindow, gcra } from '../../src/index.ts'

const user = fixedWindow({ limit: 100, window: '1m', name: 'user' })
const route = gcra({ rate: 5, period: '1s', name: 'route' })

describe('matchedHeaders', () => {
  it('gives requests that match the same limits the same formatter, and other sets their own', () => {
    const headersFor = matchedHeaders('draft-10', 'rateLimit')
    const first = headersFor([user, route])
    // A new request builds new limit objects (a counter per descriptor); what names them is the same.
    const again = headersFor([{ ...user, id: 'other' }, { ...route }])
    expect(again.formatter).toBe(first.formatter)
    expect(first.policies.map((p) => p.name)).toEqual(['user', 'route'])
    expect(
      first.formatter?.format(
        [
          { remaining: 1, resetMs: 1 },
          { remaining: 2, resetMs: 2 },
        ],
        0,
        0,
      ),
    ).toEqual([
      ['RateLimit-Policy', '"user";q=100;w=60, "route";q=5;w=1'],
      ['RateLimit', '"user";r=1;t=1, "route";r=2;t=1'],
    ])
    expect(headersFor([user]).formatter).not.toBe(first.formatter)
    expect(headersFor([route, user]).formatter).not.toBe(first.formatter)
    // Same name, another quota (a rules reload): another formatter.
    expect(headersFor([fixedWindow({ limit: 50, window: '1m', name: 'user' }), route]).formatter).not.toBe(
      first.formatter,
    )
  })

  it('no matched limit: no policies and no formatter', () => {
    expect(matchedHeaders('both', 'rateLimit')([])).toEqual({ policies: [], formatter: undefined })
  })

  it('remembers a bounded number of sets: past 256 the oldest is made again', () => {
    const headersFor = matchedHeaders('draft-10', 'rateLimit')
    const first = headersFor([user]).formatter
    for (let i = 0; i < 256; i++) headersFor([fixedWindow({ limit: 1 + i, window: '1m', name: `n${i}` })])
    expect(headersFor([user]).formatter).not.toBe(first)
  })
})
