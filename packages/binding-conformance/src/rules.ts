// A rules limiter through a binding: descriptors per request, every matched policy in the headers.
import { ConfigError, createRateLimiter, type Decision, InputError } from '@sluice/core'
import { parseRules } from '@sluice/core/yaml'
import { describe, expect, it } from 'vitest'
import { type BindingOptions, problemContentType } from './adapter.ts'
import type { Harness } from './harness.ts'
import { json, NOW, randomPrefix } from './harness.ts'

const RULES = `domain: api
descriptors:
  - key: route
    value: /login
    rate_limit: { unit: minute, requests_per_unit: 2, name: login }
  - key: user
    rate_limit: { unit: hour, requests_per_unit: 100, algorithm: gcra, burst: 5 }
  - key: tenant
    rate_limit: { unit: second, requests_per_unit: 1 }
    shadow_mode: true
`

export function ruleCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, adapter, options, perMinute } = h
  const rulesLimiter = () =>
    createRateLimiter({
      store: options.store(),
      rules: parseRules(RULES),
      clock: () => NOW,
      prefix: randomPrefix(),
    })
  const descriptors = (req: Req) => [
    [{ key: 'route', value: adapter.path(req) }],
    [{ key: 'user', value: adapter.header(req, 'x-user') ?? 'anonymous' }],
    [{ key: 'tenant', value: 'acme' }],
  ]
  const serveRules = (extra: Partial<BindingOptions<Req>> = {}) =>
    serve({ limiter: rulesLimiter(), descriptors, ...extra })
  type Shadow = { rateLimit: Decision }
  const shadowOf = async (res: Response) =>
    (await json<Shadow>(res)).rateLimit.shadow?.map((p) => [p.policy, p.allowed])

  describe('rules (descriptors)', () => {
    it('headers list every enforced policy; the one that denies is named in the 429; shadow rules are never advertised', async () => {
      const { url } = await serveRules()
      const as42 = (path: string) => fetch(`${url}${path}`, { headers: { 'x-user': '42' } })
      const first = await as42('/login')
      expect(first.status).toBe(200)
      // An unnamed per-user rule's policy never names the user (the value may be an e-mail address).
      expect(first.headers.get('ratelimit-policy')).toMatch(/^"login";q=2;w=60, "[^"]+";q=5;w=180$/)
      expect(first.headers.get('ratelimit')).toMatch(/^"login";r=1;t=\d+, "[^"]+";r=4;t=\d+$/)
      expect(first.headers.get('ratelimit-policy')).not.toContain('42')
      // The shadow tenant limit is evaluated but neither advertised nor enforced.
      expect(first.headers.get('ratelimit-policy')).not.toContain('acme')
      expect(await shadowOf(first)).toEqual([[expect.not.stringContaining('acme'), true]])
      expect(await shadowOf(await as42('/login'))).toEqual([[expect.not.stringContaining('acme'), false]])
      const third = await as42('/login')
      expect(third.status).toBe(429)
      expect(third.headers.get('retry-after')).not.toBeNull()
      expect((await json(third))['violated-policies']).toEqual(['login'])
      // All or nothing: the refused request took nothing from the user's limit.
      const other = await as42('/other')
      expect(other.headers.get('ratelimit')).toMatch(/^"[^"]+";r=2;/)
    })

    const malformed: [string, unknown][] = [
      ['no descriptors', () => []],
      ['an empty descriptor', () => [[]]],
      ['an entry without a value', () => [[{ key: 'user' }]]],
      ['a value that is no string', () => [[{ key: 'user', value: 7 }]]],
      ['a string instead of a list', () => 'user:42'],
      [
        'a value from a missing header',
        (req: Req) => [[{ key: 'user', value: adapter.header(req, 'x-user') }]],
      ],
    ]
    it.each(malformed)('%s: a 400 problem body, never let through and never a 500', async (_name, bad) => {
      const { url, errors, handled } = await serveRules({
        descriptors: bad as BindingOptions<Req>['descriptors'],
      })
      const res = await fetch(url)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toBe(problemContentType(adapter))
      expect(res.headers.get('ratelimit')).toBeNull()
      expect((await json(res)).title).toBe('Bad Request')
      expect(errors).toEqual([])
      expect(handled()).toBe(0)
    })

    it("a descriptors function that throws goes to the framework's error handler as an InputError", async () => {
      const { url, errors } = await serveRules({
        descriptors: () => {
          throw new Error('session store down')
        },
      })
      expect((await fetch(url)).status).toBe(500)
      expect(errors[0]).toBeInstanceOf(InputError)
      expect((errors[0] as Error).message).toMatch(
        /the descriptors function threw \(Error: session store down\)/,
      )
    })

    it('construction: descriptors need a rules limiter, and a rules limiter needs descriptors, without key or policyName', () => {
      const { rateLimit } = adapter
      expect(() => rateLimit({ limiter: rulesLimiter() })).toThrow(ConfigError)
      expect(() => rateLimit({ limiter: rulesLimiter() })).toThrow(/needs descriptors/)
      expect(() => rateLimit({ limiter: perMinute(1), descriptors })).toThrow(
        /descriptors need a limiter made from rules/,
      )
      expect(() => rateLimit({ limiter: rulesLimiter(), descriptors, key: () => 'x' })).toThrow(
        /key and descriptors/,
      )
      expect(() => rateLimit({ limiter: rulesLimiter(), descriptors, policyName: 'x' })).toThrow(
        /policyName does not apply/,
      )
    })
  })
}
