import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { Redis } from '@upstash/redis'
import { Redis as IoRedisLike } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { upstashStore } from '../src/index.ts'

// Nothing here talks to a server: constructing a client or a store sends no request.
const client = new Redis({ url: 'http://127.0.0.1:9', token: 'never-sent' })

describe('upstashStore options', () => {
  it('declares all six algorithms and composites', () => {
    const store = upstashStore({ client })
    expect(store.name).toBe('upstash')
    expect(store.capabilities).toEqual({
      algorithms: ['fixedWindow', 'slidingLog', 'slidingWindow', 'tokenBucket', 'gcra', 'leakyBucket'],
      composite: true,
    })
    expect(() =>
      createRateLimiter({ store, algorithm: [fixedWindow({ limit: 1, window: 1 })] }),
    ).not.toThrow()
  })

  it('exposes its deadline, so a limiter on it adds none of its own', () => {
    expect(upstashStore({ client }).timeoutMs).toBe(1000)
    expect(upstashStore({ client, timeoutMs: 250 }).timeoutMs).toBe(250)
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
    ['no options', undefined, /takes an options object/],
    ['a missing client', {}, /client is missing; pass your @upstash\/redis client/],
    ['something else as client', { client: { get() {} } }, /must be an @upstash\/redis Redis instance/],
    [
      'an ioredis client',
      { client: new IoRedisLike({ lazyConnect: true }) },
      /without createScript\. For ioredis use @sluice\/ioredis/,
    ],
    ['timeoutMs 0', { client, timeoutMs: 0 }, /timeoutMs must be a number of milliseconds greater than 0/],
    ['timeoutMs NaN', { client, timeoutMs: Number.NaN }, /got NaN/],
    ['timeoutMs as a string', { client, timeoutMs: '1s' }, /got "1s"/],
    ['timeoutMs past a timer', { client, timeoutMs: 2 ** 31 }, /at most 2147483647/],
    ['a prefix with braces', { client, prefix: 'a{b}' }, /must not contain '\{' or '\}'/],
    ['a prefix that is no string', { client, prefix: 5 }, /prefix must be a string/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => upstashStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
