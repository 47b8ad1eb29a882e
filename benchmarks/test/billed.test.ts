// Billed commands per decision on the local Upstash server: sluice against @upstash/ratelimit.
import { type RedisServer, startRedis, startUpstashServer, type UpstashServer } from '@sluice/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BilledAlgorithm, type BilledTarget, billedCommands } from '../src/upstash/billed.ts'

// A redis-server of its own: INFO commandstats counts every client's commands, and the shared one
// serves the other test files at the same time.
let redis: RedisServer
let upstash: UpstashServer
let target: BilledTarget
beforeAll(async () => {
  redis = await startRedis()
  upstash = await startUpstashServer({ redisUrl: redis.url })
  target = { url: upstash.url, token: upstash.token, redis: { host: redis.host, port: redis.port } }
})
afterAll(async () => {
  await upstash?.stop()
  await redis?.stop()
})

describe('billed commands per decision (EVALSHA + the commands the script runs)', () => {
  // Measured: the script's reads and writes are fixed per algorithm and outcome.
  const sluice: [BilledAlgorithm, number, number][] = [
    // fixedWindow: one BITFIELD (INCRBY + GETs), plus SET PX on a window's first: (3 + 4 × 2) / 5.
    ['fixedWindow', 2.2, 2],
    ['slidingWindow', 3, 2],
    ['tokenBucket', 3, 2],
    ['gcra', 3, 2],
    // ZRANGE (newest) + ZCOUNT; admitted: ZCOUNT, ZADD, ZREMRANGEBYSCORE, PEXPIRE; denied: ZCARD, ZRANGE.
    ['slidingLog', 7, 5],
  ]
  it.each(sluice)('sluice %s: %d admitted, %d denied', async (algorithm, admitted, denied) => {
    expect(await billedCommands(target, 'sluice', algorithm)).toEqual({ admitted, denied })
  })

  // @upstash/ratelimit: PEXPIRE only on a key's first request, so admitted is a mean over 5.
  const peer: [BilledAlgorithm, number, number][] = [
    ['fixedWindow', 2.2, 2],
    ['slidingWindow', 4.2, 3],
    ['tokenBucket', 4, 2],
  ]
  it.each(peer)('@upstash/ratelimit %s: %d admitted, %d denied', async (algorithm, admitted, denied) => {
    const cost = await billedCommands(target, '@upstash/ratelimit', algorithm)
    expect(cost.admitted).toBeCloseTo(admitted, 10)
    expect(cost.denied).toBe(denied)
  })
})
