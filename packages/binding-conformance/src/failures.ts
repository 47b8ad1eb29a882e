// When the store fails: the framework's error handler, or onStoreError's deny (503), allow or fallback.
import { type Decision, fixedWindow, StoreError } from '@sluice/core'
import type { ProblemDetails } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import { problemContentType } from './adapter.ts'
import type { Harness } from './harness.ts'
import { headersOf, json } from './harness.ts'

export function failureCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, limiterOf, options, adapter } = h
  const failing = (onStoreError?: 'deny' | 'allow') =>
    limiterOf(fixedWindow({ limit: 2, window: '1m', name: 'api' }), {
      store: options.faultyStore(),
      ...(onStoreError === undefined ? {} : { onStoreError }),
    })

  describe('failure modes', () => {
    it("without onStoreError, a store fault goes to the framework's error handler, never a 429", async () => {
      const { url, errors, handled } = await serve({ limiter: failing() })
      const res = await fetch(url)
      expect(res.status).toBe(500)
      expect(headersOf(res, 'retry-after', 'ratelimit')).toEqual({ 'retry-after': null, ratelimit: null })
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(StoreError)
      expect(handled()).toBe(0)
    })

    it("onStoreError: 'deny' is a 503 problem body with Retry-After and no quota headers", async () => {
      const { url, errors, handled } = await serve({ limiter: failing('deny'), headers: 'both' })
      const res = await fetch(url)
      expect(res.status).toBe(503)
      expect(headersOf(res, 'content-type', 'cache-control', 'ratelimit', 'x-ratelimit-limit')).toEqual({
        'content-type': problemContentType(adapter),
        'cache-control': 'no-store',
        ratelimit: null,
        'x-ratelimit-limit': null,
      })
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(await json<ProblemDetails>(res)).toMatchObject({ title: 'Service Unavailable', status: 503 })
      expect(errors).toEqual([])
      expect(handled()).toBe(0)
    })

    it("onStoreError: 'allow' lets the request through without quota headers, its decision flagged", async () => {
      const { url, errors, handled } = await serve({ limiter: failing('allow'), headers: 'both' })
      const res = await fetch(url)
      expect(res.status).toBe(200)
      expect(headersOf(res, 'ratelimit', 'x-ratelimit-limit', 'retry-after')).toEqual({
        ratelimit: null,
        'x-ratelimit-limit': null,
        'retry-after': null,
      })
      const { rateLimit } = await json<{ rateLimit: Decision }>(res)
      expect(rateLimit.degraded?.mode).toBe('allow')
      expect(errors).toEqual([])
      expect(handled()).toBe(1)
    })

    it('a fallback store decides as usual: its headers, its 429', async () => {
      const limiter = limiterOf(fixedWindow({ limit: 2, window: '1m', name: 'api' }), {
        store: options.faultyStore(),
        onStoreError: options.store(),
      })
      const { url, errors } = await serve({ limiter })
      const first = await fetch(url)
      expect(first.status).toBe(200)
      expect(first.headers.get('ratelimit')).toBe('"api";r=1;t=42')
      expect((await json<{ rateLimit: Decision }>(first)).rateLimit.degraded?.mode).toBe('fallback')
      expect((await fetch(url)).headers.get('ratelimit')).toBe('"api";r=0;t=42')
      const refused = await fetch(url)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('42')
      expect(errors).toEqual([])
    })
  })
}
