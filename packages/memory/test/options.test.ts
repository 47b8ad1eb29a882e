// memoryStore's options: every mistake is a ConfigError at construction that says what to do.
import { ConfigError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

describe('memoryStore options', () => {
  it('takes no options, or maxKeys and maxBytes', () => {
    expect(memoryStore().name).toBe('memory')
    expect(memoryStore({}).size).toBe(0)
    expect(memoryStore({ maxKeys: 10, maxBytes: 65_536 }).bytes).toBe(0)
    // A key set to undefined counts as absent, as everywhere.
    expect(memoryStore({ maxKeys: undefined, maxBytes: undefined }).evictions).toBe(0)
  })

  it.each([
    ['a number where the options belong', 1000, /memoryStore\(\) takes an options object, got 1000/],
    ['null', null, /memoryStore\(\) takes an options object, got null/],
    ['an array', [1000], /memoryStore\(\) takes an options object/],
    [
      'a misspelt maxKeys',
      { maxkeys: 10 },
      /memoryStore: unknown option "maxkeys"; did you mean "maxKeys"\?/,
    ],
    ['a misspelt maxBytes', { maxByte: 10 }, /unknown option "maxByte"; did you mean "maxBytes"\?/],
    ["lru-cache's max", { max: 10 }, /unknown option "max"; memoryStore counts entries with maxKeys/],
    [
      "lru-cache's maxSize",
      { maxSize: 10 },
      /unknown option "maxSize"; memoryStore counts bytes with maxBytes/,
    ],
    ['a ttl', { ttl: 1000 }, /unknown option "ttl"; memoryStore keeps no TTL/],
    ['anything else', { capacity: 10 }, /unknown option "capacity"; the options are maxKeys, maxBytes/],
    ['maxKeys as a string', { maxKeys: '1000' }, /maxKeys must be a positive integer, got "1000"/],
    ['maxKeys past a safe integer', { maxKeys: 2 ** 60 }, /maxKeys must be a positive integer/],
    ['maxBytes 0', { maxBytes: 0 }, /maxBytes must be a whole number of bytes of at least 65536 \(64 KiB\)/],
    ['maxBytes meant as MiB', { maxBytes: 64 }, /the default is 672 per key of maxKeys, got 64/],
    ['maxBytes fractional', { maxBytes: 65_536.5 }, /got 65536.5/],
    ['maxBytes Infinity', { maxBytes: Number.POSITIVE_INFINITY }, /got Infinity/],
    ['maxBytes as a string', { maxBytes: '64MiB' }, /got "64MiB"/],
  ])('rejects %s with a ConfigError that says what to do', (_, options, message) => {
    const make = () => memoryStore(options as never)
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
