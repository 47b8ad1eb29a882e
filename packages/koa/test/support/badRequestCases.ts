// Requests the limiter cannot use (a 400) and throws from the app's own functions (Koa's error handling).
import { InputError } from '@sluice/core'
import type { Middleware, ParameterizedContext } from 'koa'
import { expect, it } from 'vitest'
import { rateLimit } from '../../src/index.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './servers.ts'

/** What a request carries that the limiter cannot use: a 400, never a 500 or a 429. */
const DETAIL = {
  key: 'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
  cost: "This request's rate-limit cost is not a whole number of 0 or more.",
  address: "This request's client address is not an IP address.",
  request:
    'This request cannot be rate-limited as sent: a value it is limited by is empty, too long or malformed, or it asks for more than any limit admits.',
}

/** Requests the limiter cannot use (400) and throws from the app's own functions (Koa's error handling). */
export function badRequestCases(h: Harness): void {
  const { app, perMinute } = h

  it('a key or cost the request makes unusable is a 400 problem body naming what, never the key', async () => {
    const victim = 'victim@example.com'
    // ctx.get answers '' for a missing header; a body field would be undefined: both are unusable.
    const byUser = (ctx: ParameterizedContext) => ctx.get('x-user')
    const byCost = (ctx: ParameterizedContext) => Number(ctx.get('x-cost') || undefined)
    const cases: [string, Middleware, Record<string, string>, string][] = [
      ['no x-user header', rateLimit({ limiter: perMinute(5), key: byUser }), {}, DETAIL.key],
      [
        'undefined as key',
        rateLimit({ limiter: perMinute(5), key: () => undefined as unknown as string }),
        {},
        DETAIL.key,
      ],
      [
        'a number as key',
        rateLimit({ limiter: perMinute(5), key: () => 7 as unknown as string }),
        {},
        DETAIL.key,
      ],
      [
        'a key longer than the limiter accepts',
        rateLimit({ limiter: perMinute(5), key: (ctx) => `${byUser(ctx)}${'x'.repeat(5000)}` }),
        { 'x-user': victim },
        DETAIL.request,
      ],
      ['no x-cost header', rateLimit({ limiter: perMinute(5), cost: byCost }), {}, DETAIL.cost],
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

  it("a key, cost or skip function that throws goes to Koa's error handling, naming the fix", async () => {
    const cases: [Middleware, RegExp][] = [
      [
        rateLimit({
          limiter: perMinute(5),
          key: (ctx) => (ctx.request as unknown as { body: { email: string } }).body.email,
        }),
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
      expect(res.headers.get('ratelimit')).toBeNull()
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(InputError)
      expect((errors[0] as Error).message).toMatch(message)
      expect(handled()).toBe(0)
    }
  })

  it('behind app.proxy, a forwarded address that is not an IP is a 400', async () => {
    const { url, errors, handled } = await app([rateLimit({ limiter: perMinute(5) })], (a) => {
      a.proxy = true
    })
    const res = await fetch(url, { headers: { 'x-forwarded-for': 'unknown' } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { detail: string }).detail).toBe(DETAIL.address)
    expect(errors).toEqual([])
    expect(handled()).toBe(0)
  })
}
