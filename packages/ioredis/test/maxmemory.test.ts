// Redis out of memory (maxmemory reached, noeviction): every script call fails with a StoreError and writes nothing.
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  type RateLimiter,
  StoreError,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { type RedisServer, startRedis } from '@sluice/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type IoredisStore, ioredisStore } from '../src/index.ts'
import { closeQuietly } from './support/clients.ts'

const PREFIX = 'oom:'
const CASES: readonly [string, Algorithm | Algorithm[]][] = [
  ['fixedWindow', fixedWindow({ limit: 100, window: '1h' })],
  ['slidingLog', slidingLog({ limit: 100, window: '1h' })],
  ['slidingWindow', slidingWindow({ limit: 100, window: '1h' })],
  ['tokenBucket', tokenBucket({ capacity: 100, refillRate: 1, refillInterval: '1h' })],
  ['gcra', gcra({ rate: 100, period: '1h' })],
  ['leakyBucket', leakyBucket({ capacity: 99, leakRate: 100, leakInterval: '1h' })],
  // A sliding log first: its prune is a write that frees memory, the kind that let later writes through.
  [
    'a composite, sliding log first',
    [
      slidingLog({ limit: 50, window: '1h' }),
      fixedWindow({ limit: 60, window: '1h' }),
      gcra({ rate: 70, period: '1h' }),
    ],
  ],
]

const EXHAUSTED = fixedWindow({ limit: 2, window: '1h' })

let server: RedisServer
let admin: Redis
let client: Redis
let store: IoredisStore

/** Every key of the store, with its DUMP (the value's exact bytes) and its absolute expiry in ms. */
async function snapshot(): Promise<Map<string, { dump: Buffer | null; expiresAt: unknown }>> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000)
    cursor = next
    for (const key of batch) keys.push(key)
  } while (cursor !== '0')
  const entries = new Map<string, { dump: Buffer | null; expiresAt: unknown }>()
  for (const key of keys.sort()) {
    entries.set(key, { dump: await admin.dumpBuffer(key), expiresAt: await admin.call('PEXPIRETIME', key) })
  }
  return entries
}

/** Writes 10 kB values until Redis refuses one for memory, then keeps it there (its own buffers move). */
async function fillMemory(): Promise<void> {
  await admin.config('SET', 'maxmemory-policy', 'noeviction')
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  await admin.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024))
  const value = 'x'.repeat(10 * 1024)
  for (let i = 0; ; i++) {
    const refused = await admin.set(`fill:${i}`, value).then(
      () => undefined,
      (error: Error) => error,
    )
    if (refused !== undefined) {
      expect(refused.message).toMatch(/^OOM /)
      break
    }
  }
  await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)))
}

const limiterOf = (algorithm: Algorithm | Algorithm[], options: object = {}): RateLimiter =>
  createRateLimiter({
    store,
    algorithm,
    denyCache: false,
    circuitBreaker: false,
    shareCounters: true,
    ...options,
  })

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  client = new Redis(server.url)
  store = ioredisStore({ client, prefix: PREFIX, timeoutMs: 5000 })
  // States to leave alone: each limit has taken from 'used'; 'fresh' has none.
  for (const [, algorithm] of CASES) {
    const limiter = limiterOf(algorithm)
    for (let i = 0; i < 3; i++) expect((await limiter.limit('used')).allowed).toBe(true)
  }
  // An exhausted fixed window: its denial is a BITFIELD INCRBY that Redis refuses out of memory.
  expect((await limiterOf(EXHAUSTED).limit('full', { cost: 2 })).allowed).toBe(true)
  await fillMemory()
}, 120_000)

afterAll(async () => {
  await store?.close()
  if (client !== undefined) await closeQuietly(client)
  if (admin !== undefined) await closeQuietly(admin)
  await server?.stop()
})

describe('Redis at maxmemory with noeviction', () => {
  it('every algorithm and a composite fail with a StoreError naming OOM, and no key changes by a byte', async () => {
    const before = await snapshot()
    expect(before.size).toBeGreaterThanOrEqual(CASES.length)
    for (const [name, algorithm] of CASES) {
      const limiter = limiterOf(algorithm)
      for (const key of ['used', 'fresh']) {
        const error = await limiter.limit(key).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error, `${name}, key ${key}`).toBeInstanceOf(StoreError)
        expect((error as StoreError).message, name).toMatch(/OOM command not allowed/)
        // A cost of several units, which a sliding log writes as several members, is refused alike.
        await expect(limiter.limit(key, { cost: 5 }), name).rejects.toBeInstanceOf(StoreError)
      }
    }
    expect(await snapshot()).toEqual(before)
  })

  it('a denial still answers (the fixed window falls back to a read when its BITFIELD is refused)', async () => {
    const before = await snapshot()
    const limiter = limiterOf(EXHAUSTED)
    const d = await limiter.limit('full')
    expect(d).toMatchObject({ allowed: false, remaining: 0 })
    expect(d.degraded).toBeUndefined()
    // Admitting would write: still refused, with nothing written.
    await expect(limiter.limit('fresh')).rejects.toBeInstanceOf(StoreError)
    expect(await snapshot()).toEqual(before)
  })

  it("a 'deny' policy answers a degraded denial; reads, which write nothing, still answer", async () => {
    const before = await snapshot()
    for (const [name, algorithm] of CASES) {
      const denying = limiterOf(algorithm, { onStoreError: 'deny' })
      const d = await denying.limit('used')
      expect(d, name).toMatchObject({ allowed: false, degraded: { reason: 'store-error', mode: 'deny' } })
      expect(d.degraded?.error.message, name).toMatch(/OOM/)
      const peek = await limiterOf(algorithm).peek('used')
      expect(peek.degraded, name).toBeUndefined()
      expect(peek.allowed, name).toBe(true)
    }
    expect(await snapshot()).toEqual(before)
  })
})
