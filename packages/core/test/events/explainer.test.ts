// createExplainer: a token bucket's line says how long it refilled since the last request it saw.
import { describe, expect, it } from 'vitest'
import { createExplainer, createRateLimiter, fixedWindow, tokenBucket } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const T0 = Date.UTC(2025, 0, 1, 12)

function bucketLimiter(exposeKey: boolean) {
  let now = T0
  const limiter = createRateLimiter({
    store: testStore({ sync: true }).store,
    algorithm: tokenBucket({ capacity: 10, refillRate: 1 }),
    clock: () => now,
    exposeKey,
  })
  const explain = createExplainer()
  const lines: string[] = []
  limiter.events.on('decision', (e) => lines.push(explain(e)))
  const at = async (ms: number, key = 'user:42', cost = 1) => {
    now = T0 + ms
    await limiter.limit(key, { cost })
  }
  return { at, lines }
}

describe('createExplainer', () => {
  it('says the refill time and the tokens at the last request, per key', async () => {
    const { at, lines } = bucketLimiter(true)
    await at(0, 'user:42', 8) // 10 → 2
    await at(1200) // 2 + 1.2 → 3.2 → 2.2
    await at(1200, 'user:7') // another key: no earlier request
    await at(1500, 'user:42', 5) // 2.2 + 0.3 = 2.5 < 5: denied
    expect(lines).toEqual([
      'token bucket user:42: 10 tokens (refill 1 per 1 s), cost 8 → allowed, 2 left, full in 8 s',
      'token bucket user:42: 3.2 tokens after 1.2 s of refill (2 at the last request) (refill 1 per 1 s), cost 1 → allowed, 2.2 left, full in 7.8 s',
      'token bucket user:7: 10 tokens (refill 1 per 1 s), cost 1 → allowed, 9 left, full in 1 s',
      'token bucket user:42: 2.5 tokens after 300 ms of refill (2.2 at the last request) (refill 1 per 1 s), cost 5 → denied, enough in 2.5 s',
    ])
  })

  it('without exposed keys requests cannot be told apart: no refill part', async () => {
    const { at, lines } = bucketLimiter(false)
    await at(0)
    await at(1000)
    expect(lines[1]).toBe('token bucket: 10 tokens (refill 1 per 1 s), cost 1 → allowed, 9 left, full in 1 s')
  })

  it('other algorithms explain as explainDecision does', async () => {
    let now = T0
    const limiter = createRateLimiter({
      store: testStore({ sync: true }).store,
      algorithm: fixedWindow({ limit: 2, window: 1000 }),
      clock: () => now,
      exposeKey: true,
    })
    const explain = createExplainer()
    const lines: string[] = []
    limiter.events.on('decision', (e) => lines.push(explain(e)))
    await limiter.limit('k')
    now += 10
    await limiter.limit('k')
    expect(lines[1]).toBe(
      'fixed window k: window 12:00:00.000–12:00:01.000, count 1/2, cost 1 → allowed, 0 left, resets in 990 ms',
    )
  })
})
