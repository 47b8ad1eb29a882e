// Whose clock decides on Upstash: the caller's (default) or the database's (clock: 'server').
import { ConfigError, slidingLog } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { storeKeys } from '@sluice/redis-scripts'
import type {} from '@sluice/test-services/vitest'
import { Redis as Admin } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'

const admin = new Admin(inject('redisUrl'))
afterAll(() => admin.quit())
afterEach(() => vi.restoreAllMocks())

/** This process's clock, stuck far in the past: only a store that uses it stores this time. */
const PROCESS_NOW = 1_000_000_000_000
const limits = [slidingLog({ limit: 10, window: '1d' })]
const request = (key: string, now?: number): StoreRequest => ({ key, limits, cost: 1, consume: true, now })

async function serverMs(): Promise<number> {
  const [seconds, micros] = await admin.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

/** The time the sliding log stored for `key`'s one entry (its score). */
async function storedTime(prefix: string, key: string): Promise<number> {
  const [redisKey] = storeKeys(prefix, key, limits)
  const entry = await admin.zrange(redisKey as string, '0', '-1', 'WITHSCORES')
  expect(entry.length).toBe(2)
  return Number(entry[1])
}

describe('clock', () => {
  it("defaults to the caller's clock: the time this process sends is the time stored", async () => {
    vi.spyOn(Date, 'now').mockReturnValue(PROCESS_NOW)
    const prefix = randomPrefix('clock-client')
    const [decision] = await upstashStore({ client: upstashClient(), prefix }).apply(request('a'))
    expect(decision?.allowed).toBe(true)
    expect(await storedTime(prefix, 'a')).toBe(PROCESS_NOW)
  })

  it("'server' decides on the database's clock (TIME in the script), whatever this process's clock says", async () => {
    const prefix = randomPrefix('clock-server')
    const store = upstashStore({ client: upstashClient(), prefix, clock: 'server' })
    const before = await serverMs()
    vi.spyOn(Date, 'now').mockReturnValue(PROCESS_NOW)
    const [decision] = await store.apply(request('a'))
    vi.restoreAllMocks()
    const after = await serverMs()
    expect(decision?.allowed).toBe(true)
    const stored = await storedTime(prefix, 'a')
    expect(stored).toBeGreaterThanOrEqual(before)
    expect(stored).toBeLessThanOrEqual(after)
  })

  it("the limiter's time (request.now) overrides either store clock", async () => {
    for (const clock of ['client', 'server'] as const) {
      const prefix = randomPrefix(`clock-now-${clock}`)
      await upstashStore({ client: upstashClient(), prefix, clock }).apply(request('a', 1_234_567_890_123))
      expect(await storedTime(prefix, 'a')).toBe(1_234_567_890_123)
    }
  })

  it('a caller behind the stored time cannot move it back (the monotonic guard)', async () => {
    const prefix = randomPrefix('clock-guard')
    const store = upstashStore({ client: upstashClient(), prefix })
    const ahead = 1_700_000_060_000
    await store.apply(request('a', ahead))
    // A minute behind: judged at the stored time, so the new entry lands there, not in the past.
    await store.apply(request('a', ahead - 60_000))
    const [redisKey] = storeKeys(prefix, 'a', limits)
    const scores = (await admin.zrange(redisKey as string, '0', '-1', 'WITHSCORES')).filter(
      (_, i) => i % 2 === 1,
    )
    expect(scores.map(Number)).toEqual([ahead, ahead])
  })

  it('refuses any other clock with a ConfigError that says what to do', () => {
    const client = upstashClient()
    expect(() => upstashStore({ client, clock: 'local' as never })).toThrow(ConfigError)
    expect(() => upstashStore({ client, clock: (() => 0) as never })).toThrow(
      /clock must be 'client' or 'server', got a function \(pass that to createRateLimiter\)/,
    )
  })
})
