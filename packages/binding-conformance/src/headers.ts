// Rate-limit headers over real HTTP: draft-10, legacy, both, none, policy names, several limits.
import { type Decision, fixedWindow } from '@sluice/core'
import type { ProblemDetails } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import type { Harness } from './harness.ts'
import { headersOf, json, NOW } from './harness.ts'
import { rateLimitLines, rawGet } from './raw.ts'

/** X-RateLimit-Reset is an epoch second: the window's end as the real clock sees it, between two reads. */
function expectReset(value: string | null, before: number, after: number, resetAfterMs: number): void {
  expect(Number(value)).toBeGreaterThanOrEqual(Math.ceil((before + resetAfterMs) / 1000))
  expect(Number(value)).toBeLessThanOrEqual(Math.ceil((after + resetAfterMs) / 1000))
}

export function headerCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, serve, app, rateLimit, limiterOf } = h
  // The limit's own name as its policy; 41.75 s before the window ends, sent as t=42 (rounded up).
  const unnamed = (limit: number) =>
    limiterOf(fixedWindow({ limit, window: '1m' }), { clock: () => NOW + 250 })

  describe('headers', () => {
    it('draft-10 by default: one RateLimit-Policy and one RateLimit line; the decision reaches the handler', async () => {
      const { url } = await serve({ limiter: unnamed(3) })
      const res = await rawGet(url)
      expect(res.statusLine).toBe('HTTP/1.1 200 OK')
      expect(rateLimitLines(res)).toEqual([
        'ratelimit-policy: "fixedWindow:3/1m";q=3;w=60',
        'ratelimit: "fixedWindow:3/1m";r=2;t=42',
      ])
      const { rateLimit: decision } = await json<{ rateLimit: Decision }>(await fetch(url))
      expect(decision).toMatchObject({ allowed: true, limit: 3, remaining: 1, resetAfterMs: 41_750 })
      expect(decision.policies).toHaveLength(1)
    })

    it("headers: 'legacy' sends X-RateLimit-Limit, -Remaining and -Reset in epoch seconds", async () => {
      const { url } = await serve({ limiter: perMinute(3), headers: 'legacy' })
      const before = Date.now()
      const res = await rawGet(url)
      const after = Date.now()
      const lines = rateLimitLines(res)
      expect(lines.slice(0, 2)).toEqual(['x-ratelimit-limit: 3', 'x-ratelimit-remaining: 2'])
      expect(lines).toHaveLength(3)
      expectReset(lines[2]?.replace('x-ratelimit-reset: ', '') ?? null, before, after, 42_000)
    })

    it("headers: 'both' sends the draft-10 pair and the legacy trio", async () => {
      const { url } = await serve({ limiter: perMinute(3), headers: 'both' })
      const before = Date.now()
      const lines = rateLimitLines(await rawGet(url))
      const after = Date.now()
      expect(lines.filter((l) => !l.startsWith('x-ratelimit-reset'))).toEqual([
        'ratelimit-policy: "api";q=3;w=60',
        'ratelimit: "api";r=2;t=42',
        'x-ratelimit-limit: 3',
        'x-ratelimit-remaining: 2',
      ])
      expectReset(lines[4]?.replace('x-ratelimit-reset: ', '') ?? null, before, after, 42_000)
    })

    it('headers: false sends no rate-limit fields, but a refusal still says when to retry', async () => {
      const { url } = await serve({ limiter: perMinute(1), headers: false })
      expect(rateLimitLines(await rawGet(url))).toEqual([])
      const refused = await rawGet(url)
      expect(refused.statusLine).toBe('HTTP/1.1 429 Too Many Requests')
      expect(rateLimitLines(refused)).toEqual(['cache-control: no-store', 'retry-after: 42'])
    })

    it('a policy name is an sf-string: quotes and backslashes escaped, non-ASCII and % encoded once, the same in the problem body', async () => {
      const { url } = await serve({ limiter: perMinute(1), policyName: 'api "v2" \\ café 100%' })
      expect(rateLimitLines(await rawGet(url))).toEqual([
        'ratelimit-policy: "api \\"v2\\" \\\\ caf%C3%A9 100%25";q=1;w=60',
        'ratelimit: "api \\"v2\\" \\\\ caf%C3%A9 100%25";r=0;t=42',
      ])
      const refused = await fetch(url)
      expect((await json<ProblemDetails>(refused))['violated-policies']).toEqual([
        'api "v2" \\ caf%C3%A9 100%25',
      ])
    })

    it('a limiter of several limits lists every policy, each with its own window', async () => {
      const limiter = limiterOf([
        fixedWindow({ limit: 2, window: '1m', name: 'perMinute' }),
        fixedWindow({ limit: 100, window: '1h', name: 'hourly' }),
      ])
      const { url } = await serve({ limiter })
      // NOW is 42 s before a minute's end and 42 s + 45 min before the hour's.
      const hourLeft = Math.ceil((3_600_000 - (NOW % 3_600_000)) / 1000)
      expect(rateLimitLines(await rawGet(url))).toEqual([
        'ratelimit-policy: "perMinute";q=2;w=60, "hourly";q=100;w=3600',
        `ratelimit: "perMinute";r=1;t=42, "hourly";r=99;t=${hourLeft}`,
      ])
    })

    it('two middlewares on one route add two list members; a refusal by the inner one names it', async () => {
      const { url } = await app([
        rateLimit({ limiter: perMinute(10, 'global') }),
        rateLimit({ limiter: perMinute(2), policyName: 'login' }),
      ])
      expect(rateLimitLines(await rawGet(url))).toEqual([
        'ratelimit-policy: "global";q=10;w=60, "login";q=2;w=60',
        'ratelimit: "global";r=9;t=42, "login";r=1;t=42',
      ])
      const second = await fetch(url)
      // The handler sees the innermost decision.
      expect((await json<{ rateLimit: Decision }>(second)).rateLimit.limit).toBe(2)
      const third = await fetch(url)
      expect(third.status).toBe(429)
      expect(headersOf(third, 'ratelimit', 'retry-after')).toEqual({
        ratelimit: '"global";r=7;t=42, "login";r=0;t=42',
        'retry-after': '42',
      })
      expect((await json<ProblemDetails>(third))['violated-policies']).toEqual(['login'])
    })

    it('legacy fields are single-valued: they describe the tightest of several middlewares, whichever runs first', async () => {
      const limits = (tightFirst: boolean) => {
        const tight = rateLimit({
          limiter: limiterOf(fixedWindow({ limit: 2, window: '1h' })),
          headers: 'both',
        })
        const loose = rateLimit({ limiter: perMinute(50, 'loose'), headers: 'both' })
        return tightFirst ? [tight, loose] : [loose, tight]
      }
      for (const tightFirst of [true, false]) {
        const { url } = await app(limits(tightFirst))
        const legacy = async () => headersOf(await fetch(url), 'x-ratelimit-limit', 'x-ratelimit-remaining')
        expect(await legacy()).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1' })
        await fetch(url)
        // Refused by the tight one, before or after the loose one took its unit.
        expect(await legacy()).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' })
      }
    })
  })
}
