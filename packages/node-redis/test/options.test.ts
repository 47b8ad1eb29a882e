// nodeRedisStore's options: every major's client and cluster fit the client type (tsc checks this
// file), and every mistake is a ConfigError that says what to do. No client here connects.
import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { Redis } from 'ioredis'
import * as redis6 from 'redis'
import * as redis4 from 'redis4'
import * as redis5 from 'redis5'
import { describe, expect, it } from 'vitest'
import { type NodeRedisStoreOptions, nodeRedisStore } from '../src/index.ts'

const url = 'redis://127.0.0.1:1'
const rootNodes = [{ url }]
// The factories' own return types, unwidened: each must be accepted as `client` as it is.
const clients = {
  v4: redis4.createClient({ url }),
  v5: redis5.createClient({ url }),
  v6: redis6.createClient({ url }),
  'v5 RESP3': redis5.createClient({ url, RESP: 3 }),
  'v6 RESP3': redis6.createClient({ url, RESP: 3 }),
}
const clusters = {
  v4: redis4.createCluster({ rootNodes }),
  v5: redis5.createCluster({ rootNodes }),
  v6: redis6.createCluster({ rootNodes }),
}
const plain = clients.v6

describe('nodeRedisStore options', () => {
  it("takes every major's createClient and createCluster as client, and declares all algorithms", () => {
    for (const client of [...Object.values(clients), ...Object.values(clusters)]) {
      const options: NodeRedisStoreOptions = { client }
      const store = nodeRedisStore(options)
      expect(store.name).toBe('node-redis')
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

  it('a node-redis client given to createRateLimiter as the store says to wrap it with nodeRedisStore', () => {
    const algorithm = fixedWindow({ limit: 1, window: 1000 })
    for (const client of [clients.v4, clients.v5, plain, clusters.v6]) {
      expect(() => createRateLimiter({ store: client as never, algorithm })).toThrow(
        /^createRateLimiter: store is a node-redis client, not a sluice store; wrap it: nodeRedisStore\(\{ client \}\) from '@sluice\/node-redis'/,
      )
    }
  })

  it('refuses a composite of more limits than one script call takes', async () => {
    const limits = Array.from({ length: 257 }, (_, i) => fixedWindow({ limit: 1 + i, window: 1000 }))
    const apply = nodeRedisStore({ client: plain }).apply({
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
    expect(nodeRedisStore({ client: plain }).timeoutMs).toBe(1000)
    expect(nodeRedisStore({ client: plain, timeoutMs: 250 }).timeoutMs).toBe(250)
    expect(nodeRedisStore({ client: plain, timeoutMs: '2s' }).timeoutMs).toBe(2000)
    expect(nodeRedisStore({ client: plain, timeoutMs: undefined, prefix: undefined }).timeoutMs).toBe(1000)
  })

  const legacy = redis4.createClient({ url, legacyMode: true })
  const ioredis = new Redis({ lazyConnect: true })
  it.each([
    ['no options', undefined, /nodeRedisStore\(\) takes an options object, got undefined/],
    [
      'the client itself where the options belong',
      plain,
      /^nodeRedisStore takes an options object with your client in it, not the client itself: nodeRedisStore\(\{ client \}\)/,
    ],
    ['a cluster where the options belong', clusters.v4, /not the client itself/],
    [
      'a misspelt option',
      { client: plain, timeotuMs: 100 },
      /unknown option "timeotuMs"; did you mean "timeoutMs"\?/,
    ],
    ['keyPrefix', { client: plain, keyPrefix: 'app:' }, /unknown option "keyPrefix"; use prefix/],
    ['redis', { redis: plain }, /unknown option "redis"; pass your node-redis client as client/],
    [
      'a missing client',
      {},
      /client is missing; pass your node-redis client: nodeRedisStore\(\{ client: await createClient/,
    ],
    ['something else as client', { client: { get() {} } }, /client must be a node-redis client or cluster/],
    [
      'a URL as client',
      { client: url },
      /client must be a node-redis client or cluster.*got \[object String\]/,
    ],
    [
      'an ioredis client',
      { client: ioredis },
      /client is an ioredis client; use ioredisStore\(\{ client \}\) from '@sluice\/ioredis'/,
    ],
    ['a legacyMode client', { client: legacy }, /legacyMode.*client\.duplicate\(\{ legacyMode: false \}\)/],
    ['a bad clock', { client: plain, clock: 'local' }, /clock must be 'server' or 'client', got "local"/],
    ['batch not a boolean', { client: plain, batch: 'yes' }, /batch must be true or false, got "yes"/],
    ['timeoutMs 0', { client: plain, timeoutMs: 0 }, /nodeRedisStore: timeoutMs must be a whole number/],
    ['a prefix with braces', { client: plain, prefix: 'a{b}' }, /must not contain '\{' or '\}'/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => nodeRedisStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
