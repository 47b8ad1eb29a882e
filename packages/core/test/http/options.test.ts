import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { resolveBindingOptions } from '../../src/http/options.ts'
import { ConfigError, createRateLimiter, fixedWindow } from '../../src/index.ts'

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
      maxParked: 1000,
      ipv6Subnet: 64,
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
      maxParked: 10,
      statusCode: 503,
    })
    expect(r).toMatchObject({
      key: fn,
      cost: 3,
      headers: 'both',
      maxDelayMs: 2500,
      maxParked: 10,
      statusCode: 503,
    })
    expect(r.policies[0]?.name).toBe('login')
    for (const headers of ['draft-10', 'legacy', 'both', false])
      expect(resolve({ limiter, headers }).headers).toBe(headers)
    expect(resolve({ limiter, maxDelayMs: 0 }).maxDelayMs).toBe(0)
    expect(resolve({ limiter, cost: 0 }).cost).toBe(0)
    expect(resolve({ limiter, maxDelayMs: Number.POSITIVE_INFINITY }).maxDelayMs).toBe(
      Number.POSITIVE_INFINITY,
    )
    expect(resolve({ limiter, maxDelayMs: '30d' }).maxDelayMs).toBe(Number.POSITIVE_INFINITY)
    expect(resolve({ limiter, maxParked: 0 }).maxParked).toBe(0)
    expect(resolve({ limiter, maxParked: Number.POSITIVE_INFINITY }).maxParked).toBe(Number.POSITIVE_INFINITY)
    expect(resolve({ limiter, ipv6Subnet: 48 }).ipv6Subnet).toBe(48)
    expect(resolve({ limiter, ipv6Subnet: 128 }).ipv6Subnet).toBe(128)
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
    [
      'maxDelayMs',
      -1,
      /rateLimit: maxDelayMs must be a whole number of milliseconds 0 or more \(or Infinity/,
    ],
    ['maxDelayMs', 1.5, /maxDelayMs must be a whole number of milliseconds .*, got 1.5/],
    ['maxDelayMs', '1.5ms', /maxDelayMs must be a whole number of milliseconds .*, got "1.5ms"/],
    [
      'maxDelayMs',
      'soon',
      /maxDelayMs must be a number of milliseconds or a string like '500ms'.*, got "soon"/,
    ],
    ['maxDelayMs', '2 seconds', /maxDelayMs must be a number of milliseconds or a string/],
    ['maxDelayMs', Number.NaN, /maxDelayMs must be/],
    ['maxDelayMs', null, /maxDelayMs must be a number of milliseconds/],
    ['maxParked', -1, /maxParked must be a whole number of requests ≥ 0 .* or Infinity for no bound, got -1/],
    ['maxParked', 2.5, /maxParked must be a whole number/],
    ['maxParked', '100', /maxParked must be a whole number .*, got "100"/],
    ['maxParked', Number.NaN, /maxParked must be/],
    ['ipv6Subnet', 0, /rateLimit: ipv6Subnet must be a whole number of bits from 1 to 128/],
    ['ipv6Subnet', 129, /ipv6Subnet must be a whole number of bits/],
    ['ipv6Subnet', 56.5, /ipv6Subnet must be/],
    ['ipv6Subnet', '/64', /ipv6Subnet must be .*, got "\/64"/],
    ['statusCode', 200, /statusCode must be an HTTP error status from 400 to 599/],
    ['statusCode', 429.5, /statusCode must be/],
  ])('%s = %j is a ConfigError that says what to do', (name, value, message) => {
    rejects({ limiter, [name]: value }, message)
  })

  it('points options of other rate limiters to their sluice equivalent', () => {
    rejects({ limiter, windowMs: 60_000 }, /unknown option "windowMs"; limits live in the limiter/)
    rejects({ limiter, keyGenerator: () => 'k' }, /unknown option "keyGenerator"; use key/)
    rejects({ limiter, kye: () => 'k' }, /unknown option "kye"; did you mean "key"\?/)
    rejects({ limiter, maxParking: 5 }, /unknown option "maxParking"; did you mean "maxParked"\?/)
    rejects({ limiter, ipv6Prefix: 48 }, /unknown option "ipv6Prefix"; the bindings call it ipv6Subnet/)
    rejects({ limiter, zzz: 1 }, /unknown option "zzz"; the options are limiter, key, cost/)
  })

  it('a fixed cost no limit can ever admit fails here, not on every request', () => {
    rejects(
      { limiter, cost: 6 },
      /rateLimit: cost 6 can never be admitted: fixedWindow:5\/1m admits at most 5 at once/,
    )
    expect(resolve({ limiter, cost: 5 }).cost).toBe(5)
  })

  it('ipv6Subnet applies to the default key only', () => {
    rejects(
      { limiter, key: () => 'k', ipv6Subnet: 48 },
      /ipv6Subnet groups the default key \(the client address\), which key replaces; group the address where you use it: clientAddressKey\(address, \{ ipv6Subnet: 48 \}\)/,
    )
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
