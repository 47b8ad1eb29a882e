// Every check createRateLimiter makes on a store (limiterChecks.ts), and what it says for a Redis client given as the store.
import { describe, expect, it } from 'vitest'
import { MAX_TIMER_MS, type Store } from '../../src/entries/store.ts'
import { ConfigError, createRateLimiter, fixedWindow } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const algorithm = fixedWindow({ limit: 5, window: '1m' })
const make = (store: unknown) => () => createRateLimiter({ store: store as Store, algorithm })
const good = (): Store => testStore().store

describe('a Redis client where the store belongs says to wrap it', () => {
  // What only each client has, as duck typing sees it (the store packages' tests pass real clients).
  it.each([
    [
      'ioredis',
      { defineCommand() {}, sendCommand() {}, status: 'ready', options: {} },
      /^createRateLimiter: store is an ioredis client, not a sluice store; wrap it: ioredisStore\(\{ client \}\) from '@sluice\/ioredis'/,
    ],
    [
      '@upstash/redis',
      { createScript() {}, evalsha() {}, eval() {}, del() {} },
      /store is an @upstash\/redis client, not a sluice store; wrap it: upstashStore\(\{ client \}\) from '@sluice\/upstash'/,
    ],
    [
      'node-redis',
      { sendCommand() {}, isOpen: false, connect() {} },
      /store is a node-redis client, not a sluice store; wrap it: nodeRedisStore\(\{ client \}\) from '@sluice\/node-redis'/,
    ],
    [
      '@valkey/valkey-glide',
      { invokeScript() {}, customCommand() {}, isClosed: false },
      /store is a Valkey GLIDE client, not a sluice store; wrap it: valkeyGlideStore\(\{ client \}\) from '@sluice\/valkey-glide'/,
    ],
  ])('%s', (_, client, message) => {
    expect(make(client)).toThrow(ConfigError)
    expect(make(client)).toThrow(message)
  })
})

describe('the Store contract, checked once at construction', () => {
  it.each([
    ['no apply', { ...good(), apply: undefined }, /store must be a sluice Store such as memoryStore\(\)/],
    ['no reset', { ...good(), reset: 5 }, /store must be a sluice Store/],
    [
      'no name',
      { ...good(), name: '' },
      /^createRateLimiter: store does not keep the Store contract: name must be a non-empty string, got ""$/,
    ],
    [
      'no algorithm list',
      { ...good(), capabilities: { composite: true } },
      /the test store does not keep the Store contract: capabilities\.algorithms must be a list of algorithm kinds, got undefined/,
    ],
    [
      'an unknown kind',
      { ...good(), capabilities: { algorithms: ['fixedWindow', 'fixed_window'], composite: true } },
      /capabilities\.algorithms holds "fixed_window", which is no algorithm kind \(fixedWindow, slidingLog,/,
    ],
    [
      'composite not a boolean',
      { ...good(), capabilities: { algorithms: ['fixedWindow'], composite: 'yes' } },
      /capabilities\.composite must be true or false, got "yes"/,
    ],
    [
      'applySync not a function',
      { ...good(), applySync: true },
      /applySync must be a function when present, got true/,
    ],
    [
      'close not a function',
      { ...good(), close: {} },
      /close must be a function when present, got \[object Object\]/,
    ],
    [
      'timeoutMs 0',
      { ...good(), timeoutMs: 0 },
      /timeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 0/,
    ],
    [
      'timeoutMs as a string',
      { ...good(), timeoutMs: '1s' },
      /timeoutMs must be a whole number of milliseconds/,
    ],
    ['timeoutMs past a timer', { ...good(), timeoutMs: MAX_TIMER_MS + 1 }, /timeoutMs must be/],
  ])('%s is a ConfigError naming what to fix', (_, store, message) => {
    expect(make(store)).toThrow(ConfigError)
    expect(make(store)).toThrow(message)
  })

  it('a store that keeps the contract, optional members included, is taken as it is', () => {
    const store = { ...good(), applySync: undefined, close: async () => undefined, timeoutMs: MAX_TIMER_MS }
    expect(createRateLimiter({ store, algorithm }).store).toBe(store)
  })
})
