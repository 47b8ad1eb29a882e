// A refused request: 429, Retry-After, no-store, the problem+json body, statusCode and onLimited.
import { fixedWindow } from '@sluice/core'
import type { ProblemDetails } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import { problemContentType } from './adapter.ts'
import type { Harness } from './harness.ts'
import { headersOf, json } from './harness.ts'

const QUOTA_EXCEEDED =
  '{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Request cannot be satisfied as assigned quota has been exceeded","status":429,"detail":"Quota exceeded for policy \\"api\\"; retry after 42 seconds.","violated-policies":["api"]}'

export function refusalCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, serve, adapter } = h

  describe('refusal', () => {
    it('refuses with 429, Retry-After = t, Cache-Control: no-store and a problem+json body; the handler does not run', async () => {
      const { url, handled } = await serve({ limiter: perMinute(1) })
      expect((await fetch(url)).status).toBe(200)
      const res = await fetch(url)
      expect(res.status).toBe(429)
      expect(
        headersOf(res, 'ratelimit-policy', 'ratelimit', 'retry-after', 'cache-control', 'content-type'),
      ).toEqual({
        'ratelimit-policy': '"api";q=1;w=60',
        ratelimit: '"api";r=0;t=42',
        'retry-after': '42',
        'cache-control': 'no-store',
        'content-type': problemContentType(adapter),
      })
      expect(await res.text()).toBe(QUOTA_EXCEEDED)
      expect(handled()).toBe(1)
    })

    it('a key blocked by a penalty is refused with Retry-After to the end of the block, unevaluated', async () => {
      const limiter = h.limiterOf(fixedWindow({ limit: 1, window: '1m', name: 'api' }), {
        blockDuration: '2h',
      })
      const { url, handled } = await serve({ limiter })
      expect((await fetch(url)).status).toBe(200)
      // The denial starts the block; every later request is refused until it ends.
      for (let i = 0; i < 2; i++) {
        const res = await fetch(url)
        expect([res.status, res.headers.get('retry-after')]).toEqual([429, '7200'])
      }
      expect(handled()).toBe(1)
    })

    it('limiter.ban and unban act on the next request', async () => {
      const limiter = h.limiterOf(fixedWindow({ limit: 5, window: '1m', name: 'api' }), { blockDuration: 0 })
      const { url } = await serve({ limiter })
      expect((await fetch(url)).status).toBe(200)
      await limiter.ban('127.0.0.1', '1h')
      const banned = await fetch(url)
      expect([banned.status, banned.headers.get('retry-after')]).toEqual([429, '3600'])
      await limiter.unban('127.0.0.1')
      expect((await fetch(url)).status).toBe(200)
    })

    it('statusCode changes the status of the response and of the problem body', async () => {
      const { url } = await serve({ limiter: perMinute(1), statusCode: 503 })
      await fetch(url)
      const res = await fetch(url)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('42')
      expect(await json<ProblemDetails>(res)).toMatchObject({ status: 503, 'violated-policies': ['api'] })
    })

    it('onLimited sends its own response, with the status, the headers and the decision already there', async () => {
      const { url, errors, handled } = await serve({
        limiter: perMinute(1),
        statusCode: 503,
        onLimited: adapter.onLimited(async (limited, decision) => ({
          slowDown: limited.retryAfterSeconds,
          left: decision?.remaining,
        })),
      })
      await fetch(url)
      const res = await fetch(url)
      expect(res.status).toBe(503)
      expect(headersOf(res, 'retry-after', 'cache-control', 'ratelimit')).toEqual({
        'retry-after': '42',
        'cache-control': 'no-store',
        ratelimit: '"api";r=0;t=42',
      })
      expect(await res.json()).toEqual({ slowDown: 42, left: 0 })
      expect(errors).toEqual([])
      expect(handled()).toBe(1)
    })

    it("an onLimited that fails goes to the framework's error handler", async () => {
      const failure = new Error('template missing')
      const { url, errors } = await serve({
        limiter: perMinute(1),
        onLimited: adapter.onLimited(() => Promise.reject(failure)),
      })
      await fetch(url)
      expect((await fetch(url)).status).toBe(500)
      expect(errors).toEqual([failure])
    })
  })
}
