// Bad options: a ConfigError from the factory, at construction, that says what to do.
import { ConfigError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import type { BindingOptions } from './adapter.ts'
import type { Harness } from './harness.ts'

export function constructionCases<Req, M>(h: Harness<Req, M>): void {
  const { perMinute, rateLimit } = h
  const limiter = perMinute(1)
  const cases: [string, unknown, RegExp][] = [
    ['no options', undefined, /rateLimit\(\) takes an options object such as rateLimit\(\{ limiter \}\)/],
    ['no limiter', {}, /limiter is missing; create one with createRateLimiter/],
    ['a key that is no function', { limiter, key: 'ip' }, /key must be \(req\) => string/],
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
    [
      'deny with a bad CIDR',
      { limiter, deny: { addresses: ['10.0.0.0/33'] } },
      /rateLimit: deny: the prefix length of "10\.0\.0\.0\/33" must be a whole number from 0 to 32/,
    ],
    [
      'allow with bits past the prefix',
      { limiter, allow: { addresses: ['10.0.0.1/8'] } },
      /rateLimit: allow: "10\.0\.0\.1\/8" has bits set after its \/8 prefix/,
    ],
    [
      'allow as a bare array',
      { limiter, allow: ['10.0.0.0/8'] },
      /allow must be an accessList\(…\) or its entries/,
    ],
  ]

  describe('options', () => {
    it.each(cases)('%s: a ConfigError that says what to do', (_name, options, message) => {
      const build = () => rateLimit(options as BindingOptions<Req>)
      expect(build).toThrow(ConfigError)
      expect(build).toThrow(message)
    })
  })
}
