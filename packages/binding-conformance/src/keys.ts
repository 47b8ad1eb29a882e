// key, cost and skip: who is limited, what a request takes, which requests pass uncounted.
import type { Decision } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import type { Harness } from './harness.ts'
import { json } from './harness.ts'

export function keyCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, serve, app, rateLimit, adapter } = h
  const header = (req: Req, name: string) => adapter.header(req, name)

  describe('key, cost and skip', () => {
    it('key picks the budget, cost takes that many units, skip passes a request uncounted', async () => {
      const { url, handled } = await serve({
        limiter: perMinute(5),
        key: (req) => header(req, 'x-user') as string,
        cost: (req) => Number(header(req, 'x-cost') ?? 1),
        skip: (req) => adapter.path(req) === '/health',
      })
      const as = (user: string, cost?: number, path = '/') =>
        fetch(url + path, {
          headers: { 'x-user': user, ...(cost === undefined ? {} : { 'x-cost': String(cost) }) },
        })
      expect((await as('ann', 3)).headers.get('ratelimit')).toBe('"api";r=2;t=42')
      expect((await as('bob')).headers.get('ratelimit')).toBe('"api";r=4;t=42')
      expect((await as('ann', 3)).status).toBe(429)
      expect((await as('ann', 2)).headers.get('ratelimit')).toBe('"api";r=0;t=42')
      const health = await as('ann', 1, '/health')
      expect(health.status).toBe(200)
      expect(health.headers.get('ratelimit')).toBeNull()
      expect(handled()).toBe(4)
    })

    it('an async key is awaited', async () => {
      const limiter = perMinute(3)
      const { url } = await serve({
        limiter,
        key: async (req) => `user:${await Promise.resolve(header(req, 'x-user'))}`,
      })
      await fetch(url, { headers: { 'x-user': '7' } })
      expect((await limiter.peek('user:7')).remaining).toBe(2)
    })

    it('key, cost and skip count the same whether they answer at once or through a promise', async () => {
      const limiter = perMinute(10)
      const user = (req: Req) => `user:${header(req, 'x-user')}`
      const units = (req: Req) => Number(header(req, 'x-cost') ?? 1)
      const health = (req: Req) => adapter.path(req) === '/health'
      const now = await serve({ limiter, key: user, cost: units, skip: health })
      const later = await serve({
        limiter,
        key: async (req) => user(req),
        cost: async (req) => units(req),
        skip: async (req) => health(req),
      })
      const as = (url: string, cost: number, path = '/') =>
        fetch(url + path, { headers: { 'x-user': 'ann', 'x-cost': String(cost) } })
      expect((await as(now.url, 2)).headers.get('ratelimit')).toBe('"api";r=8;t=42')
      expect((await as(later.url, 3)).headers.get('ratelimit')).toBe('"api";r=5;t=42')
      expect((await as(now.url, 5, '/health')).headers.get('ratelimit')).toBeNull()
      expect((await as(later.url, 5, '/health')).headers.get('ratelimit')).toBeNull()
      expect((await as(later.url, 5)).headers.get('ratelimit')).toBe('"api";r=0;t=42')
      expect((await as(now.url, 1)).status).toBe(429)
      expect((await limiter.peek('user:ann')).remaining).toBe(0)
    })

    it('a fixed cost takes that many units; cost 0 reads without taking', async () => {
      const limiter = perMinute(10)
      const key = () => 'shared'
      const report = await serve({ limiter, key, cost: 4 })
      const look = await serve({ limiter, key, cost: 0 })
      expect((await fetch(report.url)).headers.get('ratelimit')).toBe('"api";r=6;t=42')
      expect((await fetch(report.url)).headers.get('ratelimit')).toBe('"api";r=2;t=42')
      expect((await fetch(report.url)).status).toBe(429)
      const peek = await fetch(look.url)
      expect(peek.status).toBe(200)
      expect(peek.headers.get('ratelimit')).toBe('"api";r=2;t=42')
    })

    it('skip: no headers, no decision for the handler, nothing counted', async () => {
      const { url } = await serve({ limiter: perMinute(1), skip: (req) => adapter.path(req) === '/health' })
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/health`)
        expect(res.status).toBe(200)
        expect(res.headers.has('ratelimit')).toBe(false)
        expect(await json<{ rateLimit: Decision | null }>(res)).toEqual({ rateLimit: null })
      }
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(url)).status).toBe(429)
    })

    it('two apps on one limiter share a budget', async () => {
      const limiter = perMinute(3)
      const a = await app([rateLimit({ limiter })])
      const b = await app([rateLimit({ limiter })])
      const statuses: number[] = []
      for (const { url } of [a, b, a, b]) statuses.push((await fetch(url)).status)
      expect(statuses).toEqual([200, 200, 200, 429])
    })
  })
}
