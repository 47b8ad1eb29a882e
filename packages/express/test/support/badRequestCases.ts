// Requests the limiter cannot use (a 400) and throws from the app's own functions (next(err)).
import { InputError } from '@sluice/core'
import type { RequestHandler } from 'express'
import { expect, it } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './server.ts'

/** What a request carries that the limiter cannot use: a 400, never a 500 or a 429. */
const DETAIL = {
  key: 'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
  cost: "This request's rate-limit cost is not a whole number of 0 or more.",
  address: "This request's client address is not an IP address.",
  request:
    'This request cannot be rate-limited as sent: a value it is limited by is empty, too long or malformed, or it asks for more than any limit admits.',
}

/** Requests the limiter cannot use (400) and throws from the app's own functions (next(err)). */
export function badRequestCases(h: Harness): void {
  const { app, perMinute } = h

  it('a key or cost the request makes unusable is a 400 problem body naming what, never the key', async () => {
    const victim = 'victim@example.com'
    const byUser = (req: Parameters<RequestHandler>[0]) => req.get('x-user') as string
    const byCost = (req: Parameters<RequestHandler>[0]) => Number(req.get('x-cost'))
    const cases: [string, RequestHandler, Record<string, string>, string][] = [
      ['no x-user header', rateLimit({ limiter: perMinute(5), key: byUser }), {}, DETAIL.key],
      ['an empty key', rateLimit({ limiter: perMinute(5), key: () => '' }), {}, DETAIL.key],
      [
        'a number as key',
        rateLimit({ limiter: perMinute(5), key: () => 7 as unknown as string }),
        {},
        DETAIL.key,
      ],
      [
        'a key longer than the limiter accepts',
        rateLimit({ limiter: perMinute(5), key: (req) => `${byUser(req)}${'x'.repeat(5000)}` }),
        { 'x-user': victim },
        DETAIL.request,
      ],
      [
        'a cost that is no number',
        rateLimit({ limiter: perMinute(5), cost: byCost }),
        { 'x-cost': 'lots' },
        DETAIL.cost,
      ],
      [
        'a fractional cost',
        rateLimit({ limiter: perMinute(5), cost: byCost }),
        { 'x-cost': '1.5' },
        DETAIL.cost,
      ],
      [
        'a negative cost',
        rateLimit({ limiter: perMinute(5), cost: byCost }),
        { 'x-cost': '-1' },
        DETAIL.cost,
      ],
      [
        'a cost over every limit',
        rateLimit({ limiter: perMinute(5), cost: byCost }),
        { 'x-cost': '6' },
        DETAIL.request,
      ],
    ]
    for (const [name, middleware, headers, detail] of cases) {
      const { url, errors, handled } = await app([middleware])
      const res = await fetch(url, { headers })
      expect({ name, status: res.status }).toEqual({ name, status: 400 })
      expect(headersOf(res, 'content-type', 'ratelimit', 'retry-after')).toEqual({
        'content-type': 'application/problem+json',
        ratelimit: null,
        'retry-after': null,
      })
      const body = await res.text()
      expect(body).not.toContain(victim)
      expect(JSON.parse(body)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail })
      expect(errors).toEqual([])
      expect(handled()).toBe(0)
    }
  })

  it('a key, cost or skip function that throws goes to the error handler, naming the fix', async () => {
    const cases: [RequestHandler, RegExp][] = [
      [
        rateLimit({ limiter: perMinute(5), key: (req) => (req.body as { email: string }).email }),
        /the key function threw \(TypeError: .*\); make key\(req\) return a non-empty string/,
      ],
      [
        rateLimit({
          limiter: perMinute(5),
          cost: () => {
            throw new Error('size lookup failed')
          },
        }),
        /the cost function threw \(Error: size lookup failed\)/,
      ],
      [
        rateLimit({
          limiter: perMinute(5),
          skip: () => {
            throw new Error('allow list unreachable')
          },
        }),
        /the skip function threw \(Error: allow list unreachable\)/,
      ],
    ]
    for (const [middleware, message] of cases) {
      const { url, errors, handled } = await app([middleware])
      const res = await fetch(url)
      expect(res.status).toBe(500)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(InputError)
      expect((errors[0] as Error).message).toMatch(message)
      expect(handled()).toBe(0)
    }
  })

  it('behind a trusted proxy, a forwarded address that is not an IP is a 400', async () => {
    const { url, errors, handled } = await app([rateLimit({ limiter: perMinute(5) })], (a) =>
      a.set('trust proxy', 'loopback'),
    )
    const res = await fetch(url, { headers: { 'x-forwarded-for': 'unknown' } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { detail: string }).detail).toBe(DETAIL.address)
    expect(errors).toEqual([])
    expect(handled()).toBe(0)
  })
}
