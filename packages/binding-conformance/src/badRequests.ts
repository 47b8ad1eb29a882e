// What a request carries that the limiter cannot use (a 400), and throws from the app's own functions.
import { InputError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { type BindingOptions, problemContentType } from './adapter.ts'
import type { Harness } from './harness.ts'
import { headersOf } from './harness.ts'

/** The `detail` of each 400 problem body: it names what was unusable, never the value. */
export const BAD_REQUEST = {
  key: 'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
  cost: "This request's rate-limit cost is not a whole number of 0 or more.",
  address: "This request's client address is not an IP address.",
  request:
    'This request cannot be rate-limited as sent: a value it is limited by is empty, too long or malformed, or it asks for more than any limit admits.',
}

const VICTIM = 'victim@example.com'

export function badRequestCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, serve, adapter } = h
  const byUser = (req: Req) => adapter.header(req, 'x-user') as string
  const byCost = (req: Req) => Number(adapter.header(req, 'x-cost'))
  const throwing = (error: Error) => () => {
    throw error
  }

  describe('bad requests', () => {
    const unusable: [string, Partial<BindingOptions<Req>>, Record<string, string>, string][] = [
      ['no x-user header', { key: byUser }, {}, BAD_REQUEST.key],
      ['an empty key', { key: () => '' }, {}, BAD_REQUEST.key],
      ['undefined as key', { key: () => undefined as unknown as string }, {}, BAD_REQUEST.key],
      ['a number as key', { key: () => 7 as unknown as string }, {}, BAD_REQUEST.key],
      [
        'a key longer than the limiter accepts',
        { key: (req) => `${byUser(req)}${'x'.repeat(5000)}` },
        { 'x-user': VICTIM },
        BAD_REQUEST.request,
      ],
      ['no x-cost header', { cost: byCost }, {}, BAD_REQUEST.cost],
      ['a cost that is no number', { cost: byCost }, { 'x-cost': 'lots' }, BAD_REQUEST.cost],
      ['a fractional cost', { cost: byCost }, { 'x-cost': '1.5' }, BAD_REQUEST.cost],
      ['a negative cost', { cost: byCost }, { 'x-cost': '-1' }, BAD_REQUEST.cost],
      ['a cost over every limit', { cost: byCost }, { 'x-cost': '6' }, BAD_REQUEST.request],
      ['an async key resolving to ""', { key: async () => '' }, {}, BAD_REQUEST.key],
      ['an async cost resolving to a fraction', { cost: async () => 1.5 }, {}, BAD_REQUEST.cost],
    ]
    it.each(unusable)(
      '%s: a 400 problem body naming what, never the value',
      async (_name, options, headers, detail) => {
        const { url, errors, handled } = await serve({ limiter: perMinute(5), ...options })
        const res = await fetch(url, { headers })
        expect(res.status).toBe(400)
        expect(headersOf(res, 'content-type', 'ratelimit', 'retry-after')).toEqual({
          'content-type': problemContentType(adapter),
          ratelimit: null,
          'retry-after': null,
        })
        const body = await res.text()
        expect(body).not.toContain(VICTIM)
        expect(JSON.parse(body)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail })
        expect(errors).toEqual([])
        expect(handled()).toBe(0)
      },
    )

    const throws: [string, Partial<BindingOptions<Req>>, RegExp][] = [
      [
        'key throws',
        { key: throwing(new TypeError("Cannot read properties of undefined (reading 'email')")) },
        /the key function threw \(TypeError: .*\); make key\(req\) return a non-empty string/,
      ],
      [
        'an async key rejects',
        { key: () => Promise.reject(new Error('no session')) },
        /the key function threw \(Error: no session\)/,
      ],
      [
        'cost throws',
        { cost: throwing(new Error('size lookup failed')) },
        /the cost function threw \(Error: size lookup failed\)/,
      ],
      [
        'skip throws',
        { skip: throwing(new Error('allow list unreachable')) },
        /the skip function threw \(Error: allow list unreachable\)/,
      ],
      [
        'an async cost rejects',
        { cost: () => Promise.reject(new Error('quota service down')) },
        /the cost function threw \(Error: quota service down\)/,
      ],
      [
        'an async skip rejects',
        { skip: () => Promise.reject(new Error('allow list timed out')) },
        /the skip function threw \(Error: allow list timed out\)/,
      ],
    ]
    it.each(throws)(
      "%s: an InputError for the framework's error handler, naming the fix",
      async (_name, options, message) => {
        const { url, errors, handled } = await serve({ limiter: perMinute(5), ...options })
        const res = await fetch(url)
        expect(res.status).toBe(500)
        expect(headersOf(res, 'ratelimit', 'retry-after')).toEqual({ ratelimit: null, 'retry-after': null })
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(InputError)
        expect((errors[0] as Error).message.startsWith(`${adapter.factory ?? 'rateLimit'}: `)).toBe(true)
        expect((errors[0] as Error).message).toMatch(message)
        expect(handled()).toBe(0)
      },
    )
  })
}
