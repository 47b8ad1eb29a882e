// valkeyGlideStore's options: GlideClient and GlideClusterClient fit the client type (tsc checks this
// file), and every mistake is a ConfigError that says what to do, a client of another library named
// as such. GLIDE clients connect as they are made: these are made once, on the shared servers.
import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { type ValkeyGlideStoreOptions, valkeyGlideStore } from '../src/index.ts'
import { glideClient, glideClusterClient } from './support/clients.ts'

const plain = await glideClient()
const cluster = await glideClusterClient()
const closed = await glideClient()
closed.close()

describe('valkeyGlideStore options', () => {
  it('takes a GlideClient and a GlideClusterClient as client, and declares all algorithms', () => {
    for (const client of [plain, cluster]) {
      const options: ValkeyGlideStoreOptions = { client }
      const store = valkeyGlideStore(options)
      expect(store.name).toBe('valkey-glide')
      expect(store.capabilities).toEqual({
        algorithms: [
          'fixedWindow',
          'slidingLog',
          'slidingWindow',
          'tokenBucket',
          'gcra',
          'leakyBucket',
          'concurrency',
        ],
        composite: true,
        penalties: true,
        costs: true,
        charge: true,
      })
    }
  })

  it('a GLIDE client given to createRateLimiter as the store says to wrap it with valkeyGlideStore', () => {
    const algorithm = fixedWindow({ limit: 1, window: 1000 })
    for (const client of [plain, cluster]) {
      expect(() => createRateLimiter({ store: client as never, algorithm })).toThrow(
        /^createRateLimiter: store is a Valkey GLIDE client, not a sluice store; wrap it: valkeyGlideStore\(\{ client \}\) from '@sluice\/valkey-glide'/,
      )
    }
  })

  it('refuses a composite of more limits than one script call takes', async () => {
    const limits = Array.from({ length: 257 }, (_, i) => fixedWindow({ limit: 1 + i, window: 1000 }))
    const apply = valkeyGlideStore({ client: plain }).apply({
      key: 'k',
      limits,
      cost: 1,
      consume: true,
      now: 0,
    })
    await expect(apply).rejects.toThrow(ConfigError)
    await expect(apply).rejects.toThrow(/composite of 257 limits is more than the 256/)
  })

  it('takes timeoutMs as milliseconds or as a duration string, by the one rule for durations', () => {
    expect(valkeyGlideStore({ client: plain }).timeoutMs).toBe(1000)
    expect(valkeyGlideStore({ client: plain, timeoutMs: 250 }).timeoutMs).toBe(250)
    expect(valkeyGlideStore({ client: cluster, timeoutMs: '2s' }).timeoutMs).toBe(2000)
    expect(valkeyGlideStore({ client: plain, timeoutMs: undefined, prefix: undefined }).timeoutMs).toBe(1000)
  })

  const ioredis = new Redis({ lazyConnect: true })
  const nodeRedis = createClient({ url: 'redis://127.0.0.1:1' })
  it.each([
    ['no options', undefined, /valkeyGlideStore\(\) takes an options object, got undefined/],
    [
      'the client itself where the options belong',
      plain,
      /^valkeyGlideStore takes an options object with your client in it, not the client itself: valkeyGlideStore\(\{ client \}\)/,
    ],
    ['a cluster client where the options belong', cluster, /not the client itself/],
    [
      'a misspelt option',
      { client: plain, timeotuMs: 100 },
      /unknown option "timeotuMs"; did you mean "timeoutMs"\?/,
    ],
    ['keyPrefix', { client: plain, keyPrefix: 'app:' }, /unknown option "keyPrefix"; use prefix/],
    ['redis', { redis: plain }, /unknown option "redis"; pass your GLIDE client as client/],
    [
      'a missing client',
      {},
      /client is missing; pass your GLIDE client: valkeyGlideStore\(\{ client: await GlideClient\.createClient/,
    ],
    [
      'the promise of createClient, not awaited',
      { client: Promise.resolve(plain) },
      /valkeyGlideStore: client is a promise; await it: valkeyGlideStore\(\{ client: await GlideClient\.createClient/,
    ],
    [
      'something else as client',
      { client: { get() {} } },
      /client must be a GLIDE client, GlideClient or GlideClusterClient/,
    ],
    [
      'a URL as client',
      { client: 'redis://localhost' },
      /client must be a GLIDE client.*got \[object String\]/,
    ],
    [
      'an ioredis client',
      { client: ioredis },
      /client is an ioredis client; use ioredisStore\(\{ client \}\) from '@sluice\/ioredis'/,
    ],
    [
      'a node-redis client',
      { client: nodeRedis },
      /client is a node-redis client; use nodeRedisStore\(\{ client \}\) from '@sluice\/node-redis'/,
    ],
    ['a closed client', { client: closed }, /the GLIDE client is closed, and GLIDE never reopens a client/],
    ['a bad clock', { client: plain, clock: 'local' }, /clock must be 'server' or 'client', got "local"/],
    ['batch not a boolean', { client: plain, batch: 'yes' }, /batch must be true or false, got "yes"/],
    ['timeoutMs 0', { client: plain, timeoutMs: 0 }, /valkeyGlideStore: timeoutMs must be a whole number/],
    ['a prefix with braces', { client: plain, prefix: 'a{b}' }, /must not contain '\{' or '\}'/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => valkeyGlideStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
