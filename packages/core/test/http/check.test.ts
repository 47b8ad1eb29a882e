import { afterEach, describe, expect, it, vi } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { createRateLimitCheck, type RateLimitOutcome } from '../../src/entries/http.ts'
import type { Store } from '../../src/entries/store.ts'
import { createRateLimiter, fixedWindow, InputError, StoreError } from '../../src/index.ts'

interface Req {
  ip?: string
  user?: unknown
  size?: unknown
}

const spec = { factory: 'rateLimit', clientAddress: (req: Req) => req.ip, clientAddressSource: 'req.ip' }
/** A still clock (whole seconds): on the real one a request either side of a window boundary counts afresh. */
const clock = () => 1_699_999_998_000
const fixed = (limit = 2) =>
  createRateLimiter({
    store: referenceStore(),
    algorithm: fixedWindow({ limit, window: '1m', name: 'api' }),
    clock,
  })

afterEach(() => {
  vi.restoreAllMocks()
})

function expectAction<A extends RateLimitOutcome['action']>(
  outcome: RateLimitOutcome,
  action: A,
): Extract<RateLimitOutcome, { action: A }> {
  expect(outcome.action).toBe(action)
  return outcome as Extract<RateLimitOutcome, { action: A }>
}

describe('createRateLimitCheck', () => {
  it('admits with draft-10 headers, then refuses with Retry-After, no-store and a problem body', async () => {
    const { check } = createRateLimitCheck({ limiter: fixed(2) }, spec)
    const first = expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(first.headers).toEqual([
      ['RateLimit-Policy', '"api";q=2;w=60'],
      ['RateLimit', `"api";r=1;t=${Math.ceil(first.decision.resetAfterMs / 1000)}`],
    ])
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const third = expectAction(await check({ ip: '192.0.2.1' }), 'limit')
    const t = Math.ceil(third.decision.retryAfterMs / 1000)
    expect(third.headers).toEqual([
      ['RateLimit-Policy', '"api";q=2;w=60'],
      ['RateLimit', `"api";r=0;t=${t}`],
      ['Retry-After', String(t)],
      ['Cache-Control', 'no-store'],
    ])
    expect(third.limited).toMatchObject({
      status: 429,
      retryAfterSeconds: t,
      contentType: 'application/problem+json',
    })
    expect(JSON.parse(third.limited.body)).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail: `Quota exceeded for policy "api"; retry after ${t} seconds.`,
      'violated-policies': ['api'],
    })
  })

  it('keys on the client address: IPv6 grouped by /64, IPv4-mapped counted as IPv4', async () => {
    const { check } = createRateLimitCheck({ limiter: fixed(1) }, spec)
    expectAction(await check({ ip: '2001:db8:1:2::a' }), 'allow')
    expectAction(await check({ ip: '2001:db8:1:2:ffff::b' }), 'limit')
    expectAction(await check({ ip: '2001:db8:1:3::a' }), 'allow')
    expectAction(await check({ ip: '198.51.100.9' }), 'allow')
    expectAction(await check({ ip: '::ffff:198.51.100.9' }), 'limit')
  })

  it('skip lets a request through untouched', async () => {
    const limiter = fixed(1)
    const limit = vi.spyOn(limiter, 'limit')
    const { check } = createRateLimitCheck({ limiter, skip: (r: Req) => r.user === 'admin' }, spec)
    expect(await check({ ip: '192.0.2.1', user: 'admin' })).toEqual({ action: 'skip' })
    expect(limit).not.toHaveBeenCalled()
  })

  it('key and cost may be async and per request', async () => {
    const { check } = createRateLimitCheck(
      { limiter: fixed(5), key: async (r: Req) => String(r.user), cost: async (r: Req) => r.size as number },
      spec,
    )
    const d = expectAction(await check({ user: 'u1', size: 3 }), 'allow').decision
    expect(d.remaining).toBe(2)
    expectAction(await check({ user: 'u1', size: 3 }), 'limit')
    expectAction(await check({ user: 'u2', size: 3 }), 'allow')
    expect(expectAction(await check({ user: 'u1', size: 0 }), 'allow').decision.remaining).toBe(2)
  })

  it("a key function that throws is the app's InputError, thrown on with the fix named", async () => {
    const { check } = createRateLimitCheck(
      {
        limiter: fixed(),
        key: () => {
          throw new TypeError('no body')
        },
      },
      spec,
    )
    await expect(check({})).rejects.toThrow(InputError)
    await expect(check({})).rejects.toThrow(
      /the key function threw \(TypeError: no body\); make key\(req\) return a non-empty string/,
    )
  })

  it.each([
    [() => '', /the key function returned "", which would put all such requests in one shared budget/],
    [() => 42, /the key function must return a non-empty string, got 42; convert ids with String\(id\)/],
    [async () => undefined, /the key function must return a non-empty string, got undefined/],
  ])(
    'a key function returning an unusable key is a 400 that names the key, not its value (%#)',
    async (key, message) => {
      const limiter = fixed()
      const limit = vi.spyOn(limiter, 'limit')
      const { check } = createRateLimitCheck({ limiter, key: key as () => string }, spec)
      const { invalid } = expectAction(await check({}), 'invalid')
      expect(invalid.status).toBe(400)
      expect(invalid.contentType).toBe('application/problem+json')
      expect(JSON.parse(invalid.body)).toEqual({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail:
          'This request lacks what identifies its client for rate limiting: the value is missing, empty or not text.',
      })
      expect(invalid.error).toBeInstanceOf(InputError)
      expect(invalid.error.message).toMatch(message)
      expect(limit).not.toHaveBeenCalled()
    },
  )

  it('keeps what a throwing key function threw as the cause', async () => {
    const boom = new Error('boom')
    const { check } = createRateLimitCheck({ limiter: fixed(), key: () => Promise.reject(boom) }, spec)
    await expect(check({})).rejects.toMatchObject({ cause: boom })
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', undefined])(
    'a cost function returning %j is a 400 about the cost, its InputError naming the fix',
    async (size) => {
      const { check } = createRateLimitCheck({ limiter: fixed(), cost: (r: Req) => r.size as number }, spec)
      const { invalid } = expectAction(await check({ ip: '192.0.2.1', size }), 'invalid')
      expect(invalid.problem.detail).toBe(
        "This request's rate-limit cost is not a whole number of 0 or more.",
      )
      expect(invalid.error.message).toMatch(
        /the cost function must return a non-negative integer, got .*; round it \(Math.ceil\)/,
      )
    },
  )

  it('a cost function that throws is thrown on', async () => {
    const { check } = createRateLimitCheck(
      {
        limiter: fixed(),
        cost: () => {
          throw new RangeError('no size')
        },
      },
      spec,
    )
    await expect(check({ ip: '192.0.2.1' })).rejects.toThrow(
      /the cost function threw \(RangeError: no size\)/,
    )
  })

  it('an InputError from the limiter (a cost over every limit) is a 400 that does not echo the key', async () => {
    const key = 'victim@example.com'
    const { check } = createRateLimitCheck({ limiter: fixed(2), key: () => key, cost: () => 3 }, spec)
    const { invalid } = expectAction(await check({}), 'invalid')
    expect(invalid.status).toBe(400)
    expect(invalid.problem.detail).toMatch(/^This request cannot be rate-limited as sent/)
    expect(invalid.error.message).toMatch(/cost 3 can never be admitted/)
    expect(invalid.body).not.toContain(key)
  })

  it('a throwing skip function is an InputError', async () => {
    const { check } = createRateLimitCheck(
      {
        limiter: fixed(),
        skip: () => {
          throw new Error('nope')
        },
      },
      spec,
    )
    await expect(check({ ip: '192.0.2.1' })).rejects.toThrow(/the skip function threw \(Error: nope\)/)
  })

  it.each([undefined, ''])(
    'a request without a client address (%j) is an InputError, never a shared key',
    async (ip) => {
      const { check } = createRateLimitCheck({ limiter: fixed() }, spec)
      await expect(check({ ip })).rejects.toThrow(InputError)
      await expect(check({ ip })).rejects.toThrow(
        /the request has no client address \(req.ip is .*\); pass key: \(req\) => string/,
      )
    },
  )

  it('a malformed address is a 400 about the address, its InputError pointing at the trusted-proxy setting', async () => {
    const { check } = createRateLimitCheck({ limiter: fixed() }, spec)
    const { invalid } = expectAction(await check({ ip: 'evil, 1.2.3.4' }), 'invalid')
    expect(invalid.problem.detail).toBe("This request's client address is not an IP address.")
    expect(invalid.body).not.toContain('evil')
    expect(invalid.error.message).toMatch(
      /req.ip is "evil, 1.2.3.4", which is not an IP address; check your trusted-proxy setting/,
    )
  })

  it('ipv6Subnet sets how the default key groups IPv6 clients', async () => {
    const wide = createRateLimitCheck({ limiter: fixed(1), ipv6Subnet: 48 }, spec).check
    expectAction(await wide({ ip: '2001:db8:1:2::a' }), 'allow')
    expectAction(await wide({ ip: '2001:db8:1:3::a' }), 'limit')
    expectAction(await wide({ ip: '2001:db8:2:2::a' }), 'allow')
    const exact = createRateLimitCheck({ limiter: fixed(1), ipv6Subnet: 128 }, spec).check
    expectAction(await exact({ ip: '2001:db8:1:2::a' }), 'allow')
    expectAction(await exact({ ip: '2001:db8:1:2::b' }), 'allow')
    expectAction(await exact({ ip: '2001:db8:1:2::a' }), 'limit')
  })

  it('a store fault rejects with the store error, never a refusal', async () => {
    const store: Store = {
      ...referenceStore(),
      apply: () => Promise.reject(new StoreError('redis is down')),
    }
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 1, window: '1s' }) })
    const { check } = createRateLimitCheck({ limiter }, spec)
    await expect(check({ ip: '192.0.2.1' })).rejects.toThrow(StoreError)
  })

  it('composite limiters report every policy; statusCode and policyName apply', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: [
        fixedWindow({ limit: 1, window: '1s', name: 'perSecond' }),
        fixedWindow({ limit: 100, window: '1h', name: 'perHour' }),
      ],
      clock,
    })
    const { check } = createRateLimitCheck(
      { limiter, policyName: 'api', statusCode: 503, headers: 'both' },
      spec,
    )
    const ok = expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(ok.headers[0]).toEqual(['RateLimit-Policy', '"api:perSecond";q=1;w=1, "api:perHour";q=100;w=3600'])
    expect(ok.headers[1]?.[1]).toMatch(/^"api:perSecond";r=0;t=1, "api:perHour";r=99;t=\d+$/)
    expect(ok.headers[2]).toEqual(['X-RateLimit-Limit', '1'])
    const no = expectAction(await check({ ip: '192.0.2.1' }), 'limit')
    expect(no.limited.status).toBe(503)
    expect(no.limited.problem['violated-policies']).toEqual(['api:perSecond'])
    expect(no.headers[1]?.[1]).toMatch(/^"api:perSecond";r=0;t=1, "api:perHour";r=99;t=\d+$/)
    expect(no.headers).toContainEqual(['Retry-After', '1'])
  })
})

it('a non-ASCII policy name is encoded once, the same in headers and problem body', async () => {
  const { check } = createRateLimitCheck({ limiter: fixed(1), policyName: 'café 100%' }, spec)
  await check({ ip: '192.0.2.1' })
  const refused = expectAction(await check({ ip: '192.0.2.1' }), 'limit')
  expect(refused.headers[0]).toEqual(['RateLimit-Policy', '"caf%C3%A9 100%25";q=1;w=60'])
  expect(refused.headers[1]?.[1]).toMatch(/^"caf%C3%A9 100%25";r=0;t=\d+$/)
  expect(refused.limited.problem['violated-policies']).toEqual(['caf%C3%A9 100%25'])
  expect(decodeURIComponent('caf%C3%A9 100%25')).toBe('café 100%')
})
