// The limiters of the example: a token bucket each, 2 requests and then 1 more per hour per client.
import { createRateLimiter, tokenBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'

// Memory stores count per server process (and per edge isolate): on Vercel, use @sluice/upstash.
export const apiLimiter = createRateLimiter({
  store: memoryStore(),
  algorithm: tokenBucket({ capacity: 2, refillRate: 1, refillInterval: '1h', name: 'api' }),
})

export const middlewareLimiter = createRateLimiter({
  store: memoryStore(),
  algorithm: tokenBucket({ capacity: 2, refillRate: 1, refillInterval: '1h', name: 'edge' }),
})
