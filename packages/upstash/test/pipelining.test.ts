import { fixedWindow, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { type RedisServer, startRedis, startUpstashServer, type UpstashServer } from '@sluice/test-services'
import { Redis, type RedisConfigNodejs } from '@upstash/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix } from './support/clients.ts'
import { recordRequests } from './support/requests.ts'

// One HTTP request per decision at most, and one script call per batch: counted at the client's
// fetch, against the local server.

/** Decisions one script call of a batch takes before it leaves (redis-scripts' EARLY_BATCH). */
const EARLY_BATCH = 16

let stop = () => {}
afterEach(() => stop())

// A Redis and a local Upstash server of this file's own: another file's SCRIPT FLUSH on the shared
// Redis would add EVALs after NOSCRIPT to the requests counted here.
let redisServer: RedisServer
let upstash: UpstashServer
beforeAll(async () => {
  redisServer = await startRedis()
  upstash = await startUpstashServer({ redisUrl: redisServer.url })
})
afterAll(async () => {
  await upstash?.stop()
  await redisServer?.stop()
})
const upstashClient = (config: Partial<RedisConfigNodejs> = {}) =>
  new Redis({ url: upstash.url, token: upstash.token, ...config })

const request = (key: string, limits: StoreRequest['limits'], cost = 1): StoreRequest => ({
  key,
  limits,
  cost,
  consume: true,
  // A still clock: a day boundary during the calls would give the window a fresh count.
  now: 1_699_999_998_000,
})

describe('HTTP requests per decision', () => {
  it('without auto-pipelining: exactly one EVALSHA request per decision, composites included', async () => {
    const store = upstashStore({
      client: upstashClient({ enableAutoPipelining: false }),
      prefix: randomPrefix('rpd'),
      // Far above any stall of a loaded machine: this test counts requests, not deadlines.
      timeoutMs: 20_000,
    })
    const composite = [tokenBucket({ capacity: 50, refillRate: 1 }), fixedWindow({ limit: 40, window: '1h' })]
    await store.apply(request('warm', composite)) // the first may add an EVAL after NOSCRIPT
    const recorder = recordRequests()
    stop = recorder.stop
    for (let i = 0; i < 20; i++) {
      const decisions = await store.apply(request(`user-${i % 3}`, composite))
      expect(decisions).toHaveLength(2)
    }
    expect(recorder.sent).toHaveLength(20)
    for (const { path, commands } of recorder.sent) {
      expect(path).toBe('/')
      expect(commands).toHaveLength(1)
      expect(commands[0]?.[0]).toBe('evalsha')
    }
  })

  it('without auto-pipelining or batching: 200 concurrent calls on one key admit exactly 100, in 200 requests', async () => {
    const store = upstashStore({
      client: upstashClient({ enableAutoPipelining: false }),
      prefix: randomPrefix('rpd'),
      timeoutMs: 20_000,
      batch: false,
    })
    const limits = [fixedWindow({ limit: 100, window: '1d' })]
    await store.apply({ ...request('warm', limits), consume: false })
    const recorder = recordRequests()
    stop = recorder.stop
    const decisions = await Promise.all(
      Array.from({ length: 200 }, () => store.apply(request('hot', limits))),
    )
    expect(decisions.filter(([d]) => d?.allowed).length).toBe(100)
    expect(recorder.sent).toHaveLength(200)
  })

  it('without auto-pipelining, batched: 200 concurrent calls admit exactly 100 in one script call per 16', async () => {
    const store = upstashStore({
      client: upstashClient({ enableAutoPipelining: false }),
      prefix: randomPrefix('rpd'),
      timeoutMs: 20_000,
    })
    const limits = [fixedWindow({ limit: 100, window: '1d' })]
    // Loads both scripts (a lone decision's and the engine), so no EVAL after NOSCRIPT is counted.
    await Promise.all([0, 1].map(() => store.apply({ ...request('warm', limits), consume: false })))
    const recorder = recordRequests()
    stop = recorder.stop
    const decisions = await Promise.all(
      Array.from({ length: 200 }, () => store.apply(request('hot', limits))),
    )
    expect(decisions.filter(([d]) => d?.allowed).length).toBe(100)
    expect(recorder.sent).toHaveLength(Math.ceil(200 / EARLY_BATCH))
    for (const { commands } of recorder.sent) expect(commands.map((c) => c[0])).toEqual(['evalsha'])
  })

  it('with auto-pipelining (the default): the decisions of one tick share one /pipeline request and a few engine calls', async () => {
    const store = upstashStore({ client: upstashClient(), prefix: randomPrefix('rpd'), timeoutMs: 10_000 })
    const limits = [fixedWindow({ limit: 30, window: '1d' })]
    await Promise.all([0, 1].map(() => store.apply(request('warm', limits))))
    const recorder = recordRequests()
    stop = recorder.stop
    const decisions = await Promise.all(Array.from({ length: 50 }, () => store.apply(request('hot', limits))))
    expect(decisions.filter(([d]) => d?.allowed).length).toBe(30)
    expect(recorder.sent.length).toBeGreaterThanOrEqual(1)
    expect(recorder.sent.length).toBeLessThanOrEqual(2)
    expect(recorder.sent.every(({ path }) => path === '/pipeline')).toBe(true)
    // Batched: one engine call per EARLY_BATCH decisions, not one per decision.
    expect(recorder.sent.flatMap(({ commands }) => commands.map((c) => c[0]))).toEqual(
      Array.from({ length: Math.ceil(50 / EARLY_BATCH) }, () => 'evalsha'),
    )
  })

  it('reset deletes every key of the limit in one request', async () => {
    const client = upstashClient({ enableAutoPipelining: false })
    const store = upstashStore({ client, prefix: randomPrefix('reset'), timeoutMs: 20_000 })
    const limits = [fixedWindow({ limit: 2, window: '1d' }), tokenBucket({ capacity: 5, refillRate: 1 })]
    await store.apply(request('k', limits, 2))
    expect((await store.apply(request('k', limits)))[0]?.allowed).toBe(false)
    const recorder = recordRequests()
    stop = recorder.stop
    await store.reset('k', limits)
    expect(recorder.sent).toHaveLength(1)
    expect(recorder.sent[0]?.commands[0]?.[0]).toBe('del')
    recorder.stop()
    expect((await store.apply(request('k', limits)))[0]?.allowed).toBe(true)
  })
})
