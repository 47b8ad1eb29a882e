import { ConfigError, createRateLimiter, fixedWindow, InputError, StoreError } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type RateLimitOptions, rateLimit } from '../src/index.ts'
import { errorRecorder, perMinute } from './support/limiters.ts'
import { listen } from './support/server.ts'

/** Serves one rateLimit() with app.onError recording what reached it; returns the base URL. */
async function serveWith(
  options: Omit<RateLimitOptions, 'limiter'> & { limiter?: RateLimitOptions['limiter'] },
) {
  const recorder = errorRecorder()
  let handled = 0
  const app = new Hono()
  app.onError(recorder.onError)
  app.use(rateLimit({ limiter: perMinute(100), ...options }))
  app.get('/', (c) => {
    handled++
    return c.text('ok')
  })
  const base = await listen(app)
  return { base, errors: recorder.errors, handled: () => handled }
}

describe('a bad key, cost or skip goes to app.onError, never to a 429 or to the handler', () => {
  const cases: [string, Partial<RateLimitOptions>, RegExp][] = [
    [
      'key throws',
      {
        key: () => {
          throw new Error('no session')
        },
      },
      /the key function threw \(Error: no session\)/,
    ],
    [
      'key returns ""',
      { key: () => '' },
      /the key function returned "", which would put all such requests in one shared budget/,
    ],
    [
      'key returns a number',
      { key: () => 42 as unknown as string },
      /the key function must return a non-empty string, got 42; convert ids with String\(id\)/,
    ],
    [
      'async key rejects',
      { key: async () => Promise.reject(new TypeError('boom')) },
      /the key function threw \(TypeError: boom\)/,
    ],
    [
      'cost returns a negative',
      { cost: () => -1 },
      /the cost function must return a non-negative integer, got -1/,
    ],
    ['cost returns a fraction', { cost: () => 1.5 }, /got 1\.5; round it \(Math\.ceil\)/],
    ['cost returns NaN', { cost: (c: Context) => Number(c.req.header('content-length')) }, /got NaN/],
    [
      'cost throws',
      {
        cost: () => {
          throw new Error('bad')
        },
      },
      /the cost function threw/,
    ],
    [
      'skip throws',
      {
        skip: () => {
          throw new Error('bad')
        },
      },
      /the skip function threw/,
    ],
  ]
  it.each(cases)('%s', async (_name, options, message) => {
    const { base, errors, handled } = await serveWith(options)
    const res = await fetch(base)
    expect(res.status).toBe(500)
    expect(res.headers.has('retry-after')).toBe(false)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(InputError)
    expect(errors[0]?.message).toMatch(/^rateLimit: /)
    expect(errors[0]?.message).toMatch(message)
    expect(handled()).toBe(0)
  })

  it("a cost over the limiter's maximum is the limiter's InputError, not a 429", async () => {
    const { base, errors } = await serveWith({ limiter: perMinute(3), cost: 4 })
    expect((await fetch(base)).status).toBe(500)
    expect(errors[0]).toBeInstanceOf(InputError)
  })
})

describe('a store fault', () => {
  it('reaches app.onError as the StoreError it is, never as a 429', async () => {
    const fault = new StoreError('backend down')
    const store = { ...memoryStore(), applySync: undefined, apply: () => Promise.reject(fault) }
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 5, window: '1m' }) })
    const { base, errors, handled } = await serveWith({ limiter })
    const res = await fetch(base)
    expect(res.status).toBe(500)
    expect(res.headers.has('retry-after')).toBe(false)
    expect(errors).toEqual([fault])
    expect(handled()).toBe(0)
  })
})

describe('rateLimit()', () => {
  it('returns a named Hono middleware, async function rateLimit(c, next)', () => {
    const middleware = rateLimit({ limiter: perMinute(1) })
    expect(middleware.name).toBe('rateLimit')
    expect(middleware.length).toBe(2)
    expect(middleware.constructor.name).toBe('AsyncFunction')
  })
})

describe('bad options: a ConfigError at construction', () => {
  const limiter = perMinute(1)
  it.each([
    ['no limiter', {}, /limiter is missing/],
    ['windowMs', { limiter, windowMs: 60_000 }, /unknown option "windowMs"; limits live in the limiter/],
    ['keyGenerator', { limiter, keyGenerator: () => 'x' }, /use key: \(req\) => string/],
    [
      "headers: 'draft-7'",
      { limiter, headers: 'draft-7' },
      /headers must be 'draft-10', 'legacy', 'both' or false/,
    ],
    ['statusCode: 200', { limiter, statusCode: 200 }, /statusCode must be an HTTP error status/],
    ['maxDelayMs: -1', { limiter, maxDelayMs: -1 }, /maxDelayMs must be milliseconds/],
    ["onLimited: 'nope'", { limiter, onLimited: 'nope' }, /onLimited must be a function/],
  ])('%s', (_name, options, message) => {
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(ConfigError)
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(message)
  })
})
