import {
  type Algorithm,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { storeKeys } from '@sluice/redis-scripts'
import { describe, expect, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'

// @upstash/ratelimit's token bucket takes a costly request it refuses anyway, leaving a negative
// balance. Here a cost above what is left is denied and writes nothing: the raw values in Redis
// stay the same byte for byte, and exactly what was left can still be taken.

const NOW = 1_700_000_000_000
/** Every kind admitting 10 at once, with periods long enough that nothing comes back at NOW. */
const KINDS: [string, Algorithm[]][] = [
  ['fixedWindow', [fixedWindow({ limit: 10, window: '1h' })]],
  ['slidingLog', [slidingLog({ limit: 10, window: '1h' })]],
  ['slidingWindow', [slidingWindow({ limit: 10, window: '1h' })]],
  ['tokenBucket', [tokenBucket({ capacity: 10, refillRate: 1, refillInterval: '1h' })]],
  ['gcra', [gcra({ rate: 10, period: '1h' })]],
  ['leakyBucket', [leakyBucket({ capacity: 9, leakRate: 1, leakInterval: '1h' })]],
  [
    'a composite',
    [
      tokenBucket({ capacity: 10, refillRate: 1, refillInterval: '1h' }),
      fixedWindow({ limit: 50, window: '1h' }),
    ],
  ],
]

describe('a cost larger than what remains', () => {
  const prefix = randomPrefix('cost')
  const store = upstashStore({ client: upstashClient(), prefix })
  // Raw reads: no JSON parsing of the stored text.
  const reader = upstashClient({ automaticDeserialization: false })
  const call = (key: string, limits: Algorithm[], cost: number, consume = true): StoreRequest => ({
    key,
    limits,
    cost,
    consume,
    now: NOW,
  })
  // A string per limit; slidingLog keeps a sorted set (every member with its score).
  const rawState = (key: string, limits: Algorithm[]) =>
    Promise.all(
      storeKeys(prefix, key, limits).map(async (k) =>
        (await reader.type(k)) === 'zset'
          ? JSON.stringify(await reader.zrange(k, 0, -1, { withScores: true }))
          : reader.get(k),
      ),
    )

  it.each(KINDS)('%s: is denied and leaves the state unchanged', async (kind, limits) => {
    const key = `user-${kind}`
    const first = await store.apply(call(key, limits, 7))
    expect(first.every((d) => d.allowed)).toBe(true)
    const before = await rawState(key, limits)
    expect(before.every((value) => typeof value === 'string' && value !== '' && value !== '[]')).toBe(true)
    const left = (await store.apply(call(key, limits, 0, false)))[0]?.remaining
    expect(left).toBe(3)

    const denied = await store.apply(call(key, limits, 5))
    expect(denied[0]?.allowed).toBe(false)
    expect(denied[0]?.retryAfterMs).toBeGreaterThan(0)
    expect(await rawState(key, limits)).toEqual(before)
    expect((await store.apply(call(key, limits, 0, false)))[0]?.remaining).toBe(3)

    // What was left is still there, all of it, and then nothing more.
    expect((await store.apply(call(key, limits, 3))).every((d) => d.allowed)).toBe(true)
    expect((await store.apply(call(key, limits, 1)))[0]?.allowed).toBe(false)
  })
})
