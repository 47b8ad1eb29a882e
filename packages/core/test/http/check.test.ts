import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type AbortSignalLike,
  createRateLimitCheck,
  createRateLimiter,
  fixedWindow,
  InputError,
  leakyBucket,
  type RateLimitOutcome,
  type Store,
  StoreError,
} from '../../src/index.ts'
import { referenceStore } from '../referenceStore.ts'

// Core compiles without Node's or the DOM's types: name the runtime globals these tests use.
interface Controller {
  readonly signal: AbortSignalLike
  abort(): void
}
const runtime = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  AbortController: new () => Controller
  AbortSignal: { abort(): AbortSignalLike }
}

interface Req {
  ip?: string
  user?: unknown
  size?: unknown
}

const spec = { factory: 'rateLimit', clientAddress: (req: Req) => req.ip, clientAddressSource: 'req.ip' }
const fixed = (limit = 2) =>
  createRateLimiter({ store: referenceStore(), algorithm: fixedWindow({ limit, window: '1m', name: 'api' }) })

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

  it.each([
    [
      () => {
        throw new TypeError('no body')
      },
      /the key function threw \(TypeError: no body\); make key\(req\) return a non-empty string/,
    ],
    [() => '', /the key function returned "", which would put all such requests in one shared budget/],
    [() => 42, /the key function must return a non-empty string, got 42; convert ids with String\(id\)/],
    [async () => undefined, /the key function must return a non-empty string, got undefined/],
  ])('a bad key function is an InputError naming the fix (%#)', async (key, message) => {
    const { check } = createRateLimitCheck({ limiter: fixed(), key: key as () => string }, spec)
    await expect(check({})).rejects.toThrow(InputError)
    await expect(check({})).rejects.toThrow(message)
  })

  it('keeps what a throwing key function threw as the cause', async () => {
    const boom = new Error('boom')
    const { check } = createRateLimitCheck({ limiter: fixed(), key: () => Promise.reject(boom) }, spec)
    await expect(check({})).rejects.toMatchObject({ cause: boom })
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', undefined])(
    'a cost function returning %j is an InputError naming the fix',
    async (size) => {
      const { check } = createRateLimitCheck({ limiter: fixed(), cost: (r: Req) => r.size as number }, spec)
      await expect(check({ ip: '192.0.2.1', size })).rejects.toThrow(InputError)
      await expect(check({ ip: '192.0.2.1', size })).rejects.toThrow(
        /the cost function must return a non-negative integer, got .*; round it \(Math.ceil\)/,
      )
    },
  )

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

  it('a malformed address points at the trusted-proxy setting', async () => {
    const { check } = createRateLimitCheck({ limiter: fixed() }, spec)
    await expect(check({ ip: 'evil, 1.2.3.4' })).rejects.toThrow(
      /req.ip is "evil, 1.2.3.4", which is not an IP address; check your trusted-proxy setting/,
    )
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

describe('shaping', () => {
  const shaper = () =>
    createRateLimiter({
      store: referenceStore(),
      algorithm: leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 150, name: 'queue' }),
    })

  it('holds an admitted request for its delay, then continues', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    const started = Date.now()
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(Date.now() - started).toBeLessThan(100)
    const second = expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    expect(second.decision.delayMs).toBeGreaterThan(100)
    expect(Date.now() - started).toBeGreaterThanOrEqual(second.decision.delayMs)
  })

  it('refuses a delay over maxDelayMs with t and Retry-After from the delay', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper(), maxDelayMs: 100 }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const refused = expectAction(await check({ ip: '192.0.2.1' }), 'limit')
    expect(refused.decision.allowed).toBe(true)
    expect(refused.headers).toContainEqual(['RateLimit', '"queue";r=1;t=1'])
    expect(refused.headers).toContainEqual(['Retry-After', '1'])
    expect(refused.limited.problem.detail).toMatch(/^The queue of policy "queue" is longer than/)
  })

  it('a client that leaves mid-wait is dropped and its timer cleared', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const setTimer = vi.spyOn(runtime, 'setTimeout')
    const clearTimer = vi.spyOn(runtime, 'clearTimeout')
    const controller = new runtime.AbortController()
    const pending = check({ ip: '192.0.2.1' }, () => controller.signal)
    await vi.waitFor(() => expect(setTimer).toHaveBeenCalled())
    controller.abort()
    expectAction(await pending, 'drop')
    const handle = setTimer.mock.results[0]?.value
    expect(clearTimer).toHaveBeenCalledWith(handle)
  })

  it('a client already gone when its turn is computed gets no timer at all', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const setTimer = vi.spyOn(runtime, 'setTimeout')
    expectAction(await check({ ip: '192.0.2.1' }, () => runtime.AbortSignal.abort()), 'drop')
    expect(setTimer).not.toHaveBeenCalled()
  })

  it('a finished wait removes its abort listener', async () => {
    const { check } = createRateLimitCheck({ limiter: shaper() }, spec)
    expectAction(await check({ ip: '192.0.2.1' }), 'allow')
    const signal = new runtime.AbortController().signal
    const add = vi.spyOn(signal, 'addEventListener')
    const remove = vi.spyOn(signal, 'removeEventListener')
    expectAction(await check({ ip: '192.0.2.1' }, () => signal), 'allow')
    expect(add).toHaveBeenCalledTimes(1)
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1])
  })
})
