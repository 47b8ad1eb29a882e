import { describe, expect, it } from 'vitest'
import { ConfigError, createRateLimiter, fixedWindow, resolveBindingOptions } from '../../src/index.ts'
import { referenceStore } from '../referenceStore.ts'

const limiter = createRateLimiter({
  store: referenceStore(),
  algorithm: fixedWindow({ limit: 5, window: '1m' }),
})
const spec = { factory: 'rateLimit', clientAddress: () => '127.0.0.1', clientAddressSource: 'req.ip' }
const resolve = (options: unknown) => resolveBindingOptions(options, spec)

function rejects(options: unknown, message: RegExp): void {
  expect(() => resolve(options)).toThrow(ConfigError)
  expect(() => resolve(options)).toThrow(message)
}

describe('resolveBindingOptions', () => {
  it('fills the defaults', () => {
    const r = resolve({ limiter })
    expect(r).toMatchObject({
      limiter,
      key: undefined,
      cost: 1,
      skip: undefined,
      headers: 'draft-10',
      maxDelayMs: Number.POSITIVE_INFINITY,
      statusCode: 429,
      onLimited: undefined,
    })
    expect(r.policies).toEqual([{ name: 'fixedWindow:5/1m', quota: 5, windowMs: 60_000 }])
  })

  it('accepts every option', () => {
    const fn = () => 'k'
    const r = resolve({
      limiter,
      key: fn,
      cost: 3,
      skip: () => false,
      policyName: 'login',
      headers: 'both',
      onLimited: () => undefined,
      maxDelayMs: '2.5s',
      statusCode: 503,
    })
    expect(r).toMatchObject({ key: fn, cost: 3, headers: 'both', maxDelayMs: 2500, statusCode: 503 })
    expect(r.policies[0]?.name).toBe('login')
    for (const headers of ['draft-10', 'legacy', 'both', false])
      expect(resolve({ limiter, headers }).headers).toBe(headers)
    expect(resolve({ limiter, maxDelayMs: 0 }).maxDelayMs).toBe(0)
    expect(resolve({ limiter, cost: 0 }).cost).toBe(0)
  })

  it.each([undefined, null, 'limiter', [limiter]])('wants an options object, not %j', (options) => {
    rejects(options, /rateLimit\(\) takes an options object such as rateLimit\(\{ limiter \}\)/)
  })

  it('names how to make a limiter', () => {
    rejects({}, /limiter is missing; create one with createRateLimiter\(\{ store, algorithm \}\)/)
    rejects({ limiter: {} }, /limiter must come from createRateLimiter/)
    rejects({ limiter: referenceStore() }, /limiter must come from createRateLimiter/)
  })

  it.each([
    ['key', 'req.ip', /key must be \(req\) => string, got "req.ip"/],
    ['skip', true, /skip must be \(req\) => boolean, got true/],
    ['onLimited', 429, /onLimited must be a function that sends the response, got 429/],
    ['cost', -1, /cost must be a non-negative integer or a function \(req\) => number, got -1/],
    ['cost', 1.5, /cost must be a non-negative integer/],
    ['cost', Number.NaN, /got NaN/],
    ['cost', '2', /cost must be a non-negative integer/],
    ['headers', true, /headers must be 'draft-10', 'legacy', 'both' or false, got true/],
    ['headers', 'draft-8', /got "draft-8"/],
    ['policyName', '', /policyName must be a non-empty string such as 'login'/],
    ['policyName', 7, /policyName must be a non-empty string/],
    ['maxDelayMs', -1, /maxDelayMs must be milliseconds ≥ 0/],
    ['maxDelayMs', 'soon', /maxDelayMs must be milliseconds ≥ 0 .* or a string like '2s', got "soon"/],
    ['maxDelayMs', Number.NaN, /maxDelayMs must be/],
    ['statusCode', 200, /statusCode must be an HTTP error status from 400 to 599/],
    ['statusCode', 429.5, /statusCode must be/],
  ])('%s = %j is a ConfigError that says what to do', (name, value, message) => {
    rejects({ limiter, [name]: value }, message)
  })

  it('points options of other rate limiters to their sluice equivalent', () => {
    rejects({ limiter, windowMs: 60_000 }, /unknown option "windowMs"; limits live in the limiter/)
    rejects({ limiter, keyGenerator: () => 'k' }, /unknown option "keyGenerator"; use key/)
    rejects({ limiter, kye: () => 'k' }, /unknown option "kye"; the options are limiter, key, cost/)
  })

  it('accepts a binding’s extra options', () => {
    expect(() =>
      resolveBindingOptions(
        { limiter, requestProperty: 'x' },
        { ...spec, extraOptions: ['requestProperty'] },
      ),
    ).not.toThrow()
  })

  it('requires key where the runtime gives no client address', () => {
    const edge = { factory: 'rateLimit', missingKeyHelp: 'on Workers use the CF-Connecting-IP header' }
    expect(() => resolveBindingOptions({ limiter }, edge)).toThrow(ConfigError)
    expect(() => resolveBindingOptions({ limiter }, edge)).toThrow(
      /key is required here, since this runtime gives no client address; on Workers use/,
    )
    expect(() => resolveBindingOptions({ limiter, key: () => 'k' }, edge)).not.toThrow()
  })
})
