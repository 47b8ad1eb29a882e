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

/** What a request carries that the limiter cannot use: a 400, never a 500 or a 429. */
const DETAIL = {
  key: 'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
  cost: "This request's rate-limit cost is not a whole number of 0 or more.",
  request:
    'This request cannot be rate-limited as sent: a value it is limited by is empty, too long or malformed, or it asks for more than any limit admits.',
}

describe('a key or cost the request makes unusable is a 400 problem body naming what, never the key', () => {
  const victim = 'victim@example.com'
  const byUser = (c: Context) => c.req.header('x-user') as string
  const byCost = (c: Context) => Number(c.req.header('x-cost'))
  const cases: [string, Partial<RateLimitOptions>, Record<string, string>, string][] = [
    ['no x-user header', { key: byUser }, {}, DETAIL.key],
    ['key returns ""', { key: () => '' }, {}, DETAIL.key],
    ['key returns a number', { key: () => 42 as unknown as string }, {}, DETAIL.key],
    [
      'a key longer than the limiter accepts',
      { key: (c: Context) => `${byUser(c)}${'x'.repeat(5000)}` },
      { 'x-user': victim },
      DETAIL.request,
    ],
    ['cost from a missing header', { cost: byCost }, {}, DETAIL.cost],
    ['cost returns a negative', { cost: () => -1 }, {}, DETAIL.cost],
    ['cost returns a fraction', { cost: byCost }, { 'x-cost': '1.5' }, DETAIL.cost],
    ['a cost over every limit', { limiter: perMinute(3), cost: byCost }, { 'x-cost': '4' }, DETAIL.request],
  ]
  it.each(cases)('%s', async (_name, options, headers, detail) => {
    const { base, errors, handled } = await serveWith(options)
    const res = await fetch(base, { headers })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.has('retry-after')).toBe(false)
    expect(res.headers.has('ratelimit')).toBe(false)
    const body = await res.text()
    expect(body).not.toContain(victim)
    expect(JSON.parse(body)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail })
    expect(errors).toEqual([])
    expect(handled()).toBe(0)
  })
})

describe('a key, cost or skip function that throws goes to app.onError, never to a 429 or to the handler', () => {
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
      'async key rejects',
      { key: async () => Promise.reject(new TypeError('boom')) },
      /the key function threw \(TypeError: boom\)/,
    ],
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
    [
      'maxDelayMs: -1',
      { limiter, maxDelayMs: -1 },
      /rateLimit: maxDelayMs must be a whole number of milliseconds/,
    ],
    [
      'maxDelayMs: 1.5',
      { limiter, maxDelayMs: 1.5 },
      /maxDelayMs must be a whole number of milliseconds .*, got 1.5/,
    ],
    [
      "maxDelayMs: '1.5ms'",
      { limiter, maxDelayMs: '1.5ms' },
      /maxDelayMs must be a whole number .*, got "1.5ms"/,
    ],
    [
      "maxDelayMs: 'soon'",
      { limiter, maxDelayMs: 'soon' },
      /maxDelayMs must be a number of milliseconds or a string like/,
    ],
    ['maxParked: -1', { limiter, maxParked: -1 }, /rateLimit: maxParked must be a whole number of requests/],
    ["maxParked: '10'", { limiter, maxParked: '10' }, /maxParked must be a whole number .*, got "10"/],
    [
      'ipv6Subnet: 0',
      { limiter, ipv6Subnet: 0 },
      /rateLimit: ipv6Subnet must be a whole number of bits from 1 to 128/,
    ],
    ['ipv6Subnet with key', { limiter, ipv6Subnet: 56, key: () => 'k' }, /ipv6Subnet groups the default key/],
    ['cost: 2 over a limit of 1', { limiter, cost: 2 }, /cost 2 can never be admitted/],
    ['maxParking', { limiter, maxParking: 5 }, /unknown option "maxParking"; did you mean "maxParked"\?/],
    ["onLimited: 'nope'", { limiter, onLimited: 'nope' }, /onLimited must be a function/],
  ])('%s', (_name, options, message) => {
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(ConfigError)
    expect(() => rateLimit(options as RateLimitOptions)).toThrow(message)
  })
})
