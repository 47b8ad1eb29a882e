import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'

// lazyConnect: these clients never connect; construction alone is under test.
const plain = new Redis({ lazyConnect: true })
const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' })
const prefixedCluster = new Cluster([{ host: '127.0.0.1', port: 1 }], {
  lazyConnect: true,
  keyPrefix: 'app:',
})
const clusterViaNodes = new Cluster([{ host: '127.0.0.1', port: 1 }], {
  lazyConnect: true,
  redisOptions: { keyPrefix: 'app:' },
})
afterAll(() => {
  for (const c of [plain, prefixed, prefixedCluster, clusterViaNodes]) c.disconnect()
})

describe('ioredisStore options', () => {
  it('declares every algorithm kind and composites', () => {
    const store = ioredisStore({ client: plain })
    expect(store.name).toBe('ioredis')
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
    expect(() =>
      createRateLimiter({ store, algorithm: [fixedWindow({ limit: 1, window: 1 })] }),
    ).not.toThrow()
  })

  it('a client given to createRateLimiter as the store says to wrap it', () => {
    const algorithm = fixedWindow({ limit: 1, window: 1000 })
    for (const client of [plain, prefixedCluster]) {
      expect(() => createRateLimiter({ store: client as never, algorithm })).toThrow(
        /^createRateLimiter: store is an ioredis client, not a sluice store; wrap it: ioredisStore\(\{ client \}\)/,
      )
    }
  })

  it('refuses a composite of more limits than one script call takes', async () => {
    const limits = Array.from({ length: 257 }, (_, i) => fixedWindow({ limit: 1 + i, window: 1000 }))
    const apply = ioredisStore({ client: plain }).apply({ key: 'k', limits, cost: 1, consume: true, now: 0 })
    await expect(apply).rejects.toThrow(ConfigError)
    await expect(apply).rejects.toThrow(/composite of 257 limits is more than the 256/)
  })

  it('takes timeoutMs as milliseconds or as a duration string, by the one rule for durations', () => {
    expect(ioredisStore({ client: plain }).timeoutMs).toBe(1000)
    expect(ioredisStore({ client: plain, timeoutMs: 250 }).timeoutMs).toBe(250)
    expect(ioredisStore({ client: plain, timeoutMs: '500ms' }).timeoutMs).toBe(500)
    expect(ioredisStore({ client: plain, timeoutMs: '2s' }).timeoutMs).toBe(2000)
    // A key set to undefined counts as absent.
    expect(ioredisStore({ client: plain, timeoutMs: undefined, prefix: undefined }).timeoutMs).toBe(1000)
  })

  it.each([
    ['no options', undefined, /ioredisStore\(\) takes an options object, got undefined/],
    ['a number where the options belong', 1000, /ioredisStore\(\) takes an options object, got 1000/],
    ['a list where the options belong', [plain], /takes an options object/],
    [
      'the client itself where the options belong',
      plain,
      /^ioredisStore takes an options object with your client in it, not the client itself: ioredisStore\(\{ client \}\)/,
    ],
    [
      'a Cluster where the options belong',
      prefixedCluster,
      /not the client itself: ioredisStore\(\{ client \}\)/,
    ],
    [
      'a misspelt option',
      { client: plain, timeotuMs: 100 },
      /unknown option "timeotuMs"; did you mean "timeoutMs"\?/,
    ],
    [
      'timeout',
      { client: plain, timeout: 100 },
      /unknown option "timeout"; use timeoutMs \(milliseconds, or a duration/,
    ],
    ['keyPrefix', { client: plain, keyPrefix: 'app:' }, /unknown option "keyPrefix"; use prefix/],
    ['redis', { redis: plain }, /unknown option "redis"; pass your ioredis client as client/],
    [
      'anything else',
      { client: plain, max: 10 },
      /unknown option "max"; the options are client, prefix, clock, timeoutMs/,
    ],
    ['a missing client', {}, /client is missing; pass your ioredis client/],
    ['something else as client', { client: { get() {} } }, /must be an ioredis Redis or Cluster instance/],
    ['a client with keyPrefix', { client: prefixed }, /keyPrefix "app:".*prefix: "app:"/],
    ['a Cluster with keyPrefix', { client: prefixedCluster }, /keyPrefix "app:"/],
    ['a Cluster with redisOptions.keyPrefix', { client: clusterViaNodes }, /keyPrefix "app:"/],
    ['a bad clock', { client: plain, clock: 'local' }, /clock must be 'server' or 'client', got "local"/],
    ['batch not a boolean', { client: plain, batch: 'yes' }, /batch must be true or false, got "yes"/],
    [
      'minBatch below 2',
      { client: plain, minBatch: 1 },
      /ioredisStore: minBatch must be a whole number ≥ 2.*got 1/,
    ],
    [
      'a clock function',
      { client: plain, clock: Date.now },
      /got a function \(pass that to createRateLimiter\)/,
    ],
    [
      'timeoutMs 0',
      { client: plain, timeoutMs: 0 },
      /ioredisStore: timeoutMs must be a whole number of milliseconds greater than 0.*, got 0/,
    ],
    ['timeoutMs NaN', { client: plain, timeoutMs: Number.NaN }, /got NaN/],
    ['timeoutMs fractional', { client: plain, timeoutMs: 1.5 }, /whole number of milliseconds/],
    [
      'timeoutMs as a bad string',
      { client: plain, timeoutMs: '1 sec' },
      /or a string like '500ms'.*got "1 sec"/,
    ],
    ['timeoutMs past a timer', { client: plain, timeoutMs: '30d' }, /at most 2147483647/],
    ['a prefix with braces', { client: plain, prefix: 'a{b}' }, /must not contain '\{' or '\}'/],
    ['a prefix that is no string', { client: plain, prefix: 5 }, /prefix must be a string/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => ioredisStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
