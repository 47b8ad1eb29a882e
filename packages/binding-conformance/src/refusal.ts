// A refused request: 429, Retry-After, no-store, the problem+json body, statusCode and onLimited.
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
