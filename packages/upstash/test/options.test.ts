import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { Redis } from '@upstash/redis'
import { Redis as IoRedisLike } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { upstashStore } from '../src/index.ts'

// Nothing here talks to a server: constructing a client or a store sends no request.
const client = new Redis({ url: 'http://127.0.0.1:9', token: 'never-sent' })

describe('upstashStore options', () => {
  it('declares every algorithm kind and composites', () => {
    const store = upstashStore({ client })
    expect(store.name).toBe('upstash')
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
    expect(() =>
      createRateLimiter({ store: client as never, algorithm: fixedWindow({ limit: 1, window: 1 }) }),
    ).toThrow(
      /^createRateLimiter: store is an @upstash\/redis client, not a sluice store; wrap it: upstashStore\(\{ client \}\)/,
    )
  })

  it('exposes its deadline, so a limiter on it adds none of its own', () => {
    expect(upstashStore({ client }).timeoutMs).toBe(1000)
    expect(upstashStore({ client, timeoutMs: 250 }).timeoutMs).toBe(250)
  })

  it('takes timeoutMs as milliseconds or as a duration string, by the one rule for durations', () => {
    expect(upstashStore({ client, timeoutMs: '500ms' }).timeoutMs).toBe(500)
    expect(upstashStore({ client, timeoutMs: '1.5s' }).timeoutMs).toBe(1500)
    // A key set to undefined counts as absent.
    expect(upstashStore({ client, timeoutMs: undefined, prefix: undefined }).timeoutMs).toBe(1000)
  })

  it('close() settles and then refuses calls, without any request', async () => {
    const store = upstashStore({ client })
    await store.close?.()
    const request = {
      key: 'k',
      limits: [fixedWindow({ limit: 1, window: 1 })],
      cost: 1,
      consume: true,
      now: 0,
    }
    await expect(store.apply(request)).rejects.toThrow(/apply after store.close\(\); create a new store/)
    await expect(store.reset('k', request.limits)).rejects.toThrow(/reset after store.close/)
  })

  it('takes a client without auto-pipelining or base64 responses too', () => {
    const plain = new Redis({
      url: 'http://127.0.0.1:9',
      token: 't',
      enableAutoPipelining: false,
      responseEncoding: false,
    })
    expect(upstashStore({ client: plain, prefix: '', timeoutMs: 1 }).name).toBe('upstash')
  })

  it.each([
    ['no options', undefined, /upstashStore\(\) takes an options object, got undefined/],
    ['a number where the options belong', 1000, /upstashStore\(\) takes an options object, got 1000/],
    [
      'the client itself where the options belong',
      client,
      /^upstashStore takes an options object with your client in it, not the client itself: upstashStore\(\{ client \}\)/,
    ],
    ['a misspelt option', { client, prefx: 'a:' }, /unknown option "prefx"; did you mean "prefix"\?/],
    [
      'timeout',
      { client, timeout: 100 },
      /unknown option "timeout"; use timeoutMs \(milliseconds, or a duration/,
    ],
    [
      'url and token',
      { url: 'https://x.upstash.io', token: 't' },
      /unknown option "url"; pass a client made with the url and token/,
    ],
    ['redis', { redis: client }, /unknown option "redis"; pass your @upstash\/redis client as client/],
    [
      'anything else',
      { client, max: 10 },
      /unknown option "max"; the options are client, prefix, clock, timeoutMs/,
    ],
    ['a missing client', {}, /client is missing; pass your @upstash\/redis client/],
    ['something else as client', { client: { get() {} } }, /must be an @upstash\/redis Redis instance/],
    [
      'an ioredis client',
      { client: new IoRedisLike({ lazyConnect: true }) },
      /without createScript, scriptLoad\. For ioredis use @sluice\/ioredis/,
    ],
    [
      'timeoutMs 0',
      { client, timeoutMs: 0 },
      /upstashStore: timeoutMs must be a whole number of milliseconds greater than 0.*, got 0/,
    ],
    ['timeoutMs NaN', { client, timeoutMs: Number.NaN }, /got NaN/],
    ['batch not a boolean', { client, batch: 1 }, /batch must be true or false, got 1/],
    ['timeoutMs fractional', { client, timeoutMs: 0.5 }, /whole number of milliseconds/],
    ['timeoutMs as a bad string', { client, timeoutMs: 'soon' }, /or a string like '500ms'.*got "soon"/],
    ['timeoutMs past a timer', { client, timeoutMs: 2 ** 31 }, /at most 2147483647/],
    ['a prefix with braces', { client, prefix: 'a{b}' }, /must not contain '\{' or '\}'/],
    ['a prefix that is no string', { client, prefix: 5 }, /prefix must be a string/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => upstashStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
