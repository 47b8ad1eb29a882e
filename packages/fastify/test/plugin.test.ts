// What only Fastify has: encapsulation, per-route config.rateLimit, global, hook, HEAD routes, rateLimitHook and registration errors.
import { ConfigError, createRateLimiter, type Decision, fixedWindow, leakyBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import Fastify5, { type FastifyInstance } from 'fastify'
import Fastify4 from 'fastify4'
import { describe, expect, expectTypeOf, it } from 'vitest'
import defaultExport, { rateLimit, rateLimitHook } from '../src/index.ts'

// 18 s into a minute: a 1-minute window resets in 42 s.
const NOW = 1_700_000_058_000
const perMinute = (limit: number, name?: string) =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m', ...(name === undefined ? {} : { name }) }),
    clock: () => NOW,
  })

/** Status and RateLimit header of `count` requests to `url`, in order. */
async function hit(app: FastifyInstance, url: string, count = 1, method: 'GET' | 'HEAD' = 'GET') {
  const out: [number, string | undefined][] = []
  for (let i = 0; i < count; i++) {
    const res = await app.inject({ method, url })
    out.push([res.statusCode, res.headers.ratelimit as string | undefined])
  }
  return out
}

describe.each([
  ['Fastify 5', Fastify5],
  ['Fastify 4', Fastify4],
])('%s', (_version, Fastify) => {
  it('rateLimit is the default export too', () => {
    expect(defaultExport).toBe(rateLimit)
  })

  describe('encapsulation', () => {
    it('registered inside a plugin, it limits that plugin and its children only', async () => {
      const app = Fastify()
      app.get('/open', async () => 'open')
      await app.register(async (api) => {
        await api.register(rateLimit, { limiter: perMinute(1, 'api') })
        api.get('/api/a', async () => 'a')
        await api.register(async (child) => {
          child.get('/api/child', async () => 'child')
        })
      })
      await app.register(async (sibling) => {
        sibling.get('/other', async () => 'other')
      })
      app.get('/late', async () => 'late')
      await app.ready()
      expect(await hit(app, '/api/a', 2)).toEqual([
        [200, '"api";r=0;t=42'],
        [429, '"api";r=0;t=42'],
      ])
      // One client, one budget: the child's route shares it.
      expect((await hit(app, '/api/child'))[0]?.[0]).toBe(429)
      for (const url of ['/open', '/other', '/late'])
        expect(await hit(app, url, 3)).toEqual(Array(3).fill([200, undefined]))
    })
  })

  it('without await, it still limits the routes of the plugins registered after it', async () => {
    const app = Fastify()
    app.register(rateLimit, { limiter: perMinute(1, 'api') })
    app.register(async (routes) => {
      routes.get('/', async () => 'hello')
    })
    await app.ready()
    expect((await hit(app, '/', 2)).map(([status]) => status)).toEqual([200, 429])
  })

  describe('config.rateLimit', () => {
    it("a route's options replace the plugin's name by name; false exempts the route", async () => {
      const app = Fastify()
      const login = perMinute(1, 'login')
      await app.register(rateLimit, { limiter: perMinute(100, 'api'), policyName: 'api' })
      app.get('/', async () => 'home')
      app.get('/login', { config: { rateLimit: { limiter: login, policyName: 'login' } } }, async () => 'in')
      app.get('/health', { config: { rateLimit: false } }, async (request) => String(request.rateLimit))
      await app.ready()
      expect(await hit(app, '/')).toEqual([[200, '"api";r=99;t=42']])
      expect(await hit(app, '/login', 2)).toEqual([
        [200, '"login";r=0;t=42'],
        [429, '"login";r=0;t=42'],
      ])
      // The plugin's own limiter was not asked for /login.
      expect(await hit(app, '/')).toEqual([[200, '"api";r=98;t=42']])
      const health = await app.inject('/health')
      expect([health.statusCode, health.body, health.headers.ratelimit]).toEqual([
        200,
        'undefined',
        undefined,
      ])
    })

    it('global: false limits only the routes that ask, each with its own limiter if it likes', async () => {
      const app = Fastify()
      await app.register(rateLimit, { global: false, headers: 'legacy' })
      app.get('/', async () => 'free')
      app.get('/search', { config: { rateLimit: { limiter: perMinute(2) } } }, async () => 'found')
      await app.ready()
      expect(await hit(app, '/', 3)).toEqual(Array(3).fill([200, undefined]))
      const res = await hit(app, '/search', 3)
      expect(res.map(([status]) => status)).toEqual([200, 200, 429])
      const last = await app.inject('/search')
      // The plugin's headers option applies under the route's.
      expect(last.headers['x-ratelimit-limit']).toBe('2')
      expect(last.headers.ratelimit).toBeUndefined()
    })

    it("with registrations in several scopes, the innermost takes the route's options; the outer keeps its own", async () => {
      const app = Fastify()
      const outer = perMinute(100, 'outer')
      const inner = perMinute(100, 'inner')
      await app.register(rateLimit, { limiter: outer })
      await app.register(async (scope) => {
        await scope.register(rateLimit, { limiter: inner })
        scope.get('/plain', async () => 'plain')
        scope.get('/own', { config: { rateLimit: { limiter: perMinute(5, 'own') } } }, async () => 'own')
      })
      await app.ready()
      expect(await hit(app, '/plain')).toEqual([[200, '"outer";r=99;t=42, "inner";r=99;t=42']])
      expect(await hit(app, '/own')).toEqual([[200, '"outer";r=98;t=42, "own";r=4;t=42']])
      expect((await inner.peek('127.0.0.1')).remaining).toBe(99)
    })

    it("an outer registration keeps its own lifecycle hook when the route's options move to preHandler", async () => {
      const app = Fastify()
      const outer = perMinute(100, 'outer')
      await app.register(rateLimit, {
        limiter: outer,
        key: (request) => (request.body === undefined ? 'before-parse' : 'after-parse'),
      })
      await app.register(async (scope) => {
        await scope.register(rateLimit, { limiter: perMinute(100, 'inner') })
        scope.post(
          '/own',
          { config: { rateLimit: { limiter: perMinute(5, 'own'), hook: 'preHandler', key: () => 'k' } } },
          async () => 'own',
        )
      })
      await app.ready()
      const res = await app.inject({ method: 'POST', url: '/own', payload: { a: 1 } })
      expect(res.headers.ratelimit).toBe('"outer";r=99;t=42, "own";r=4;t=42')
      expect((await outer.peek('before-parse')).remaining).toBe(99)
    })

    it("hook: 'preHandler' runs after the body is parsed, so a key may read it", async () => {
      const app = Fastify()
      await app.register(rateLimit, {
        limiter: perMinute(1),
        hook: 'preHandler',
        key: (request) => (request.body as { user: string }).user,
      })
      app.post('/login', async () => 'in')
      await app.ready()
      const login = (user: string) => app.inject({ method: 'POST', url: '/login', payload: { user } })
      expect((await login('ada')).statusCode).toBe(200)
      expect((await login('ada')).statusCode).toBe(429)
      expect((await login('bob')).statusCode).toBe(200)
    })

    it('a route-level hook choice, and route hooks of its own that run first', async () => {
      const app = Fastify()
      const seen: string[] = []
      await app.register(rateLimit, { limiter: perMinute(100) })
      app.post(
        '/upload',
        {
          onRequest: async () => {
            seen.push('auth')
          },
          config: { rateLimit: { hook: 'preHandler', cost: (request) => (request.body as number[]).length } },
        },
        async (request) => request.rateLimit?.remaining,
      )
      await app.ready()
      const res = await app.inject({ method: 'POST', url: '/upload', payload: [1, 2, 3] })
      expect([res.statusCode, res.body]).toEqual([200, '97'])
      expect(seen).toEqual(['auth'])
    })
  })

  it("a GET route's HEAD twin counts each request once", async () => {
    const app = Fastify()
    const limiter = perMinute(10)
    await app.register(rateLimit, { limiter })
    app.get('/', async () => 'hello')
    await app.ready()
    expect(await hit(app, '/', 2, 'HEAD')).toEqual([
      [200, '"fixedWindow:10/1m";r=9;t=42'],
      [200, '"fixedWindow:10/1m";r=8;t=42'],
    ])
  })

  it('shaping holds requests under app.inject too (its socket is no net.Socket)', async () => {
    const app = Fastify()
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 100 }),
      clock: () => NOW,
    })
    await app.register(rateLimit, { limiter })
    app.get('/', async (request) => request.rateLimit?.delayMs)
    await app.ready()
    const answers = await Promise.all([1, 2, 3, 4].map(() => app.inject('/')))
    // The clock stands still: turns are exact multiples of the interval, whichever request took which.
    const held = answers.filter((r) => r.statusCode === 200).map((r) => Number(r.body))
    expect(held.sort((a, b) => a - b)).toEqual([0, 100, 200])
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(1)
  })

  it('rateLimitHook limits what the plugin cannot see, such as the 404 handler', async () => {
    const app = Fastify()
    app.setNotFoundHandler(
      { preHandler: rateLimitHook({ limiter: perMinute(1, 'scan') }) },
      (_request, reply) => reply.code(404).send('not found'),
    )
    await app.ready()
    expect((await hit(app, '/nope', 2)).map(([status]) => status)).toEqual([404, 429])
  })

  it('request.rateLimit is typed, and undefined where nothing limits', async () => {
    const app = Fastify()
    await app.register(rateLimit, { limiter: perMinute(5) })
    app.get('/', async (request) => {
      expectTypeOf(request.rateLimit).toEqualTypeOf<Decision | undefined>()
      return request.rateLimit?.remaining
    })
    app.get('/free', { config: { rateLimit: false } }, async (request) => request.rateLimit === undefined)
    await app.ready()
    expect((await app.inject('/')).body).toBe('4')
    expect((await app.inject('/free')).body).toBe('true')
  })

  describe('bad options', () => {
    const limiter = perMinute(1)
    it.each([
      ['no limiter', {}, /rateLimit: limiter is missing/],
      ['windowMs', { limiter, windowMs: 1000 }, /unknown option "windowMs"/],
      [
        "hook: 'onSend'",
        { limiter, hook: 'onSend' },
        /rateLimit: hook must be 'onRequest' or 'preHandler', got "onSend"/,
      ],
      ["global: 'yes'", { limiter, global: 'yes' }, /rateLimit: global must be true or false, got yes/],
    ])('%s: app.ready() rejects with a ConfigError', async (_name, options, message) => {
      const app = Fastify()
      app.register(rateLimit, options as never)
      const ready = app.ready()
      await expect(ready).rejects.toThrow(ConfigError)
      await expect(ready).rejects.toThrow(message)
    })

    it.each([
      [
        'a string',
        'strict',
        /config.rateLimit of GET \/x must be an options object \(\{ limiter, key, … \}\) or false, got string/,
      ],
      ['global', { global: false }, /cannot set global; it belongs to the plugin's options/],
      [
        "hook: 'onSend'",
        { hook: 'onSend' },
        /rateLimit: hook in config.rateLimit of GET \/x must be 'onRequest' or 'preHandler'/,
      ],
      ['an unknown option', { max: 5 }, /unknown option "max"; limits live in the limiter/],
      ['a cost no limit admits', { cost: 2 }, /cost 2 can never be admitted/],
    ])(
      "a route's config.rateLimit of %s is a ConfigError where the route is declared",
      async (_name, own, message) => {
        const app = Fastify()
        await app.register(rateLimit, { limiter })
        const declare = () => app.get('/x', { config: { rateLimit: own as never } }, async () => 'x')
        expect(declare).toThrow(ConfigError)
        expect(declare).toThrow(message)
      },
    )
  })
})
