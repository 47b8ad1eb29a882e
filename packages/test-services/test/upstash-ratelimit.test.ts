// @upstash/ratelimit's own algorithms (their Lua scripts carry `#!lua flags=allow-key-locking`)
// running through the local Upstash REST server on Redis 7.0, limiting exactly.
import { randomUUID } from 'node:crypto'
import { Ratelimit } from '@upstash/ratelimit'
import { Redis } from '@upstash/redis'
import { describe, expect, inject, it } from 'vitest'

// Windows of a day: no window boundary falls inside a test run (fixed windows align to the epoch).
const limiters = {
  fixedWindow: () => Ratelimit.fixedWindow(10, '1 d'),
  slidingWindow: () => Ratelimit.slidingWindow(10, '1 d'),
  tokenBucket: () => Ratelimit.tokenBucket(1, '1 d', 10),
}

function ratelimit(limiter: ReturnType<typeof Ratelimit.fixedWindow>): Ratelimit {
  return new Ratelimit({
    redis: new Redis(inject('upstash')),
    limiter,
    prefix: `upstash-ratelimit:${randomUUID()}`,
    // Without this, denials would be answered from an in-process cache instead of the server.
    ephemeralCache: false,
  })
}

describe.each(Object.entries(limiters))(
  '@upstash/ratelimit %s through the local server',
  (_name, limiter) => {
    it('allows 10, then denies, one identifier at a time', async () => {
      const limit = ratelimit(limiter())
      const results = []
      for (let i = 0; i < 13; i++) results.push(await limit.limit('user'))
      expect(results.map((r) => r.success)).toEqual([...Array(10).fill(true), ...Array(3).fill(false)])
      expect(results.slice(0, 10).map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      expect(results.every((r) => r.limit === 10 && r.reset > Date.now())).toBe(true)
      expect((await limit.limit('another user')).success).toBe(true) // identifiers are separate
    })

    it('admits exactly 10 of 40 concurrent calls (auto-pipelined into shared requests)', async () => {
      const limit = ratelimit(limiter())
      const results = await Promise.all(Array.from({ length: 40 }, () => limit.limit('burst')))
      expect(results.filter((r) => r.success)).toHaveLength(10)
      expect((await limit.getRemaining('burst')).remaining).toBe(0)
    })

    it('resetUsedTokens gives the identifier its full limit back', async () => {
      const limit = ratelimit(limiter())
      for (let i = 0; i < 10; i++) await limit.limit('reset-me')
      expect((await limit.limit('reset-me')).success).toBe(false)
      await limit.resetUsedTokens('reset-me')
      expect((await limit.getRemaining('reset-me')).remaining).toBe(10)
      expect((await limit.limit('reset-me')).success).toBe(true)
    })
  },
)
