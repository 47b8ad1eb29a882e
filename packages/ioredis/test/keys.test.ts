import {
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import type { Cluster } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

const cluster = clusterClient()
const redis = redisClient()

/** Every key under `prefix` on every master, with the master's address. */
async function scanAll(client: Cluster, prefix: string): Promise<{ key: string; node: string }[]> {
  const found: { key: string; node: string }[] = []
  for (const node of client.nodes('master')) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      for (const key of keys) found.push({ key, node: `${node.options.host}:${node.options.port}` })
    } while (cursor !== '0')
  }
  return found
}

const keyslot = (key: string): Promise<number> => cluster.call('CLUSTER', 'KEYSLOT', key) as Promise<number>

/** The user key inside a Redis key's hash tag, decoded. */
function userKeyOf(redisKey: string, limiterPrefix: string): string {
  const tag = /\{([^}]*)\}/.exec(redisKey)?.[1] ?? ''
  const limiterKey = tag.replace(/%7B|%7D|%25/g, (c) => ({ '%7B': '{', '%7D': '}', '%25': '%' })[c] as string)
  return limiterKey.slice(`${limiterPrefix}:`.length)
}

describe('keys on the Cluster', () => {
  it('put every limit of a decision in one slot, whatever braces and % the user key holds', async () => {
    const prefix = randomPrefix('slots')
    const store = ioredisStore({ client: cluster, prefix, timeoutMs: SLOW_MACHINE_MS })
    const limits = [
      fixedWindow({ limit: 5, window: '1m' }),
      slidingLog({ limit: 5, window: '1m' }),
      gcra({ rate: 5, period: '1m' }),
    ]
    const limiter = createRateLimiter({ store, algorithm: limits, prefix: 'lim' })
    const userKeys = ['plain', 'a{b}c', '{x}', '}{', '{}', 'a}b{c', '%7B', '100%', '{{', '}}', 'tag{', '}tag']
    for (const key of userKeys) expect((await limiter.limit(key)).allowed, key).toBe(true)
    const found = await scanAll(cluster, prefix)
    expect(found).toHaveLength(userKeys.length * limits.length)
    const byUserKey = new Map<string, number[]>()
    for (const { key } of found) {
      const user = userKeyOf(key, 'lim')
      byUserKey.set(user, [...(byUserKey.get(user) ?? []), await keyslot(key)])
    }
    expect([...byUserKey.keys()].sort()).toStrictEqual([...userKeys].sort())
    const slotsOfDecision = [...byUserKey.values()]
    for (const slots of slotsOfDecision) expect(new Set(slots).size).toBe(1)
    // And the slots differ between user keys: the tag is the user key, not something shared.
    expect(new Set(slotsOfDecision.map((s) => s[0])).size).toBeGreaterThan(userKeys.length / 2)
  })

  it('spread keys over all three masters, each with a TTL', async () => {
    const prefix = randomPrefix('spread')
    const limiter = createRateLimiter({
      store: ioredisStore({ client: cluster, prefix, timeoutMs: SLOW_MACHINE_MS }),
      algorithm: [fixedWindow({ limit: 5, window: '1m' }), slidingLog({ limit: 5, window: '1m' })],
    })
    await Promise.all(Array.from({ length: 60 }, (_, i) => limiter.limit(`user-${i}`)))
    const found = await scanAll(cluster, prefix)
    expect(found).toHaveLength(120)
    expect(new Set(found.map((f) => f.node)).size).toBe(3)
    const ttls = await Promise.all(found.map(({ key }) => cluster.pttl(key)))
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(60_000)
    }
  })
})

describe('keys on Redis', () => {
  it('every key written by every algorithm has a TTL, on both clocks', async () => {
    for (const clock of ['server', 'client'] as const) {
      const prefix = randomPrefix('ttl')
      const store = ioredisStore({ client: redis, prefix, clock, timeoutMs: SLOW_MACHINE_MS })
      const limits = [
        fixedWindow({ limit: 5, window: '10s' }),
        slidingLog({ limit: 5, window: '10s' }),
        slidingWindow({ limit: 5, window: '10s' }),
        tokenBucket({ capacity: 5, refillRate: 1 }),
        gcra({ rate: 5, period: '10s' }),
        leakyBucket({ capacity: 5, leakRate: 1 }),
      ]
      await createRateLimiter({ store, algorithm: limits }).limit('k', { cost: 2 })
      const keys = await redis.keys(`${prefix}*`)
      expect(keys).toHaveLength(6)
      for (const key of keys) {
        const ttl = await redis.pttl(key)
        expect(ttl, key).toBeGreaterThan(0)
        // The longest state here matters 20 s (a sliding window count until the end of the next window).
        expect(ttl, key).toBeLessThanOrEqual(21_000)
      }
    }
  })

  it("with no store prefix (the default), the limiter's prefix is the only one: {prefix:key}:<limit id> (a fixed window's then :b)", async () => {
    const prefix = randomPrefix('layout').replace(/:/g, '-')
    const limit = fixedWindow({ limit: 5, window: '10s' })
    const limiter = createRateLimiter({
      store: ioredisStore({ client: redis, timeoutMs: SLOW_MACHINE_MS }),
      algorithm: limit,
      prefix,
    })
    await limiter.limit('user:42')
    expect(await redis.keys(`*${prefix}*`)).toEqual([`{${prefix}:user:42}:${limit.id}:b`])
  })

  it('peeks and denials write nothing', async () => {
    const prefix = randomPrefix('peek')
    const limiter = createRateLimiter({
      store: ioredisStore({ client: redis, prefix, timeoutMs: SLOW_MACHINE_MS }),
      algorithm: [slidingLog({ limit: 2, window: '10s' }), fixedWindow({ limit: 1, window: '10s' })],
    })
    await limiter.peek('k')
    expect(await redis.keys(`${prefix}*`)).toEqual([])
    await limiter.limit('k')
    const before = await redis.dump(`${prefix}{sluice:k}:sl:2:10000`)
    expect(before).not.toBeNull()
    expect((await limiter.limit('k')).allowed).toBe(false)
    expect(await redis.dump(`${prefix}{sluice:k}:sl:2:10000`)).toStrictEqual(before)
  })

  it('keeps stores with different prefixes apart, and reset forgets every limit', async () => {
    const base = randomPrefix('iso')
    const algorithm = [fixedWindow({ limit: 1, window: '1m' }), gcra({ rate: 1, period: '1m' })]
    const a = createRateLimiter({ store: ioredisStore({ client: redis, prefix: `${base}a:` }), algorithm })
    const b = createRateLimiter({ store: ioredisStore({ client: redis, prefix: `${base}a:b` }), algorithm })
    expect((await a.limit('k')).allowed).toBe(true)
    expect((await b.limit('k')).allowed).toBe(true)
    expect((await a.limit('k')).allowed).toBe(false)
    await a.reset('k')
    expect(await redis.keys(`${base}a:{*`)).toEqual([])
    expect((await a.limit('k')).allowed).toBe(true)
    expect((await b.limit('k')).allowed).toBe(false)
  })
})
