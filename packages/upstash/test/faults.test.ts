import { createServer, type Server } from 'node:http'
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type RateLimiter,
  StoreError,
  StoreTimeoutError,
} from '@sluice/core'
import { storeKey } from '@sluice/redis-scripts'
import { startUpstashServer, type UpstashServer } from '@sluice/test-services'
import type {} from '@sluice/test-services/vitest'
import { Redis, type RedisConfigNodejs } from '@upstash/redis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'

const TIMEOUT_MS = 300
/**
 * What "settles within timeoutMs" may overrun by on a loaded 2-core machine (a late timer, a
 * slow answer). Still far below what the failures take without the deadline: the client retries
 * a refused or closed connection five times, ~4.3 s.
 */
const MARGIN_MS = 500

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  // Let abandoned requests settle, then require that none went unhandled.
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(unhandled).toEqual([])
})

const limiterOn = (client: Redis, timeoutMs = TIMEOUT_MS): RateLimiter =>
  createRateLimiter({
    store: upstashStore({ client, prefix: randomPrefix('faults'), timeoutMs }),
    algorithm: gcra({ rate: 10, period: '1s' }),
  })

/** Runs calls in parallel; each must settle with an error of one of `kinds` within the deadline. */
async function settledFailures(limiter: RateLimiter, n: number, kinds: (typeof StoreError)[]) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const started = performance.now()
      const error = await limiter.limit(`k${i}`).then(
        () => undefined,
        (e: unknown) => e,
      )
      return { error, ms: performance.now() - started }
    }),
  )
  for (const { error, ms } of outcomes) {
    expect(
      kinds.some((kind) => error instanceof kind),
      String(error),
    ).toBe(true)
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
  }
  return outcomes.map(({ error }) => error as StoreError)
}

describe('a wrong token', () => {
  it.each([
    ['auto-pipelined', {}],
    ['one request per command', { enableAutoPipelining: false }],
  ] as [string, Partial<RedisConfigNodejs>][])(
    'is a StoreError with HTTP 401 and no token anywhere (%s)',
    async (_, config) => {
      const wrong = 'wrong-token-0123456789abcdef'
      const { url, token } = inject('upstash')
      const logged: string[] = []
      const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          logged.push(args.map(String).join(' '))
        }),
      )
      try {
        const limiter = limiterOn(new Redis({ url, token: wrong, ...config }), 2000)
        const error = await limiter.limit('k').then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(StoreError)
        expect(error).not.toBeInstanceOf(StoreTimeoutError)
        const message = (error as StoreError).message
        expect(message).toMatch(/HTTP 401 Unauthorized: the server refused the token/)
        expect(message).toMatch(/UPSTASH_REDIS_REST_TOKEN/)
        // Neither the wrong token nor the right one, in the error, its cause, its stack or a log line.
        const everything = [
          message,
          String((error as StoreError).stack),
          String(((error as StoreError).cause as Error).message),
          String(((error as StoreError).cause as Error).stack),
          ...logged,
        ].join('\n')
        expect(everything).not.toContain(wrong)
        expect(everything).not.toContain(token)
      } finally {
        for (const spy of spies) spy.mockRestore()
      }
    },
  )
})

describe('the server down, hanging or failing', () => {
  let server: UpstashServer
  beforeAll(async () => {
    server = await startUpstashServer({ redisUrl: inject('redisUrl') })
  })
  afterAll(() => server.stop())
  afterEach(() => server.setFault('none'))

  const client = (config: Partial<RedisConfigNodejs> = {}) =>
    new Redis({ url: server.url, token: server.token, ...config })

  it('works before any fault (the faults below are the server, not the setup)', async () => {
    const limiter = limiterOn(client(), 5000)
    expect((await limiter.limit('k')).allowed).toBe(true)
  })

  it('hanging: every call times out within timeoutMs, reset too, and the late answers go nowhere', async () => {
    server.setFault('hang')
    const limiter = limiterOn(client())
    const errors = await settledFailures(limiter, 5, [StoreTimeoutError])
    expect(errors[0]?.message).toMatch(/got no answer within 300 ms/)
    const started = performance.now()
    await expect(limiter.reset('k')).rejects.toThrow(StoreTimeoutError)
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
  })

  it("5xx: a StoreError with the server's text, at once", async () => {
    server.setFault('5xx')
    const errors = await settledFailures(limiterOn(client()), 3, [StoreError])
    for (const error of errors) {
      expect(error).not.toBeInstanceOf(StoreTimeoutError)
      expect(error.message).toMatch(/upstash store: apply failed: Service Unavailable/)
      expect(error.message).not.toContain('command was')
      expect(error.cause).toBeDefined()
    }
  })

  it('closing connections: the client retries (default), so the deadline answers', async () => {
    server.setFault('close')
    await settledFailures(limiterOn(client()), 3, [StoreTimeoutError])
  })

  it('closing connections without client retries: a StoreError saying no HTTP answer came', async () => {
    server.setFault('close')
    const errors = await settledFailures(limiterOn(client({ retry: false })), 3, [StoreError])
    for (const error of errors) {
      expect(error).not.toBeInstanceOf(StoreTimeoutError)
      expect(error.message).toMatch(/the request got no HTTP answer \(fetch failed/)
    }
  })

  it('recovers once the fault is gone', async () => {
    server.setFault('close')
    const limiter = limiterOn(client({ retry: false }))
    await settledFailures(limiter, 1, [StoreError])
    server.setFault('none')
    expect((await limiter.limit('after')).allowed).toBe(true)
  })
})

describe('the server stopped', () => {
  let url = ''
  beforeAll(async () => {
    const server = await startUpstashServer({ redisUrl: inject('redisUrl'), token: 'stopped-token' })
    url = server.url
    await server.stop()
  })

  it('times out within timeoutMs while the client retries the refused connection', async () => {
    await settledFailures(limiterOn(new Redis({ url, token: 'stopped-token' })), 5, [StoreTimeoutError])
  })

  it('fails at once with the refusal as reason when the client does not retry', async () => {
    const client = new Redis({ url, token: 'stopped-token', retry: false })
    const errors = await settledFailures(limiterOn(client), 3, [StoreError])
    for (const error of errors) {
      expect(error).not.toBeInstanceOf(StoreTimeoutError)
      expect(error.message).toMatch(/no HTTP answer \(fetch failed: connect ECONNREFUSED/)
    }
  })
})

describe('a reply that is not what Upstash sends', () => {
  // A stand-in server that answers every request with one fixed status and body: no Lua runs.
  let fake: Server
  let reply = { status: 200, body: '' }
  let url = ''
  beforeAll(async () => {
    fake = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(reply.status, { 'content-type': 'application/json' })
        res.end(reply.body)
      })
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`
  })
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())))

  const failure = async (config: Partial<RedisConfigNodejs>) => {
    const limiter = limiterOn(new Redis({ url, token: 'fake-token', retry: false, ...config }), 2000)
    const error = await limiter.limit('k').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StoreError)
    expect(error).not.toBeInstanceOf(StoreTimeoutError)
    return (error as StoreError).message
  }

  it.each([
    ['auto-pipelined', {}],
    ['one request per command', { enableAutoPipelining: false }],
  ] as [string, Partial<RedisConfigNodejs>][])(
    'non-JSON (200 and 502): a StoreError saying so (%s)',
    async (_, config) => {
      reply = { status: 200, body: '<html>gateway says hi</html>' }
      expect(await failure(config)).toMatch(
        /the server's reply is not JSON \(Unable to parse response body: <html>gateway says hi/,
      )
      reply = { status: 502, body: 'Bad Gateway' }
      expect(await failure(config)).toMatch(
        /the server's reply is not JSON \(Unable to parse response body: Bad Gateway/,
      )
    },
  )

  it('JSON of the wrong shape: a StoreError naming what was wrong', async () => {
    reply = { status: 200, body: '{"result":"not a decision"}' }
    expect(await failure({ enableAutoPipelining: false })).toMatch(
      /unexpected reply from the rate-limit script: redis-scripts: expected 4 values from the script, got string/,
    )
    // A pipeline reply must be an array: this one is not.
    expect(await failure({})).toMatch(/the server's reply is not an Upstash REST reply/)
    reply = { status: 200, body: '{}' }
    expect(await failure({ enableAutoPipelining: false })).toMatch(
      /not an Upstash REST reply \(Request did not return a result\)/,
    )
  })
})

describe("the server's own errors", () => {
  it('a script error surfaces with its text (a key of the wrong type)', async () => {
    const client = upstashClient()
    const prefix = randomPrefix('script-error')
    const algorithm = fixedWindow({ limit: 5, window: '1m' })
    // The limit's key holds a list, so the script's GET fails inside Redis.
    await client.lpush(storeKey(prefix, 'k', algorithm), 'not state')
    const store = upstashStore({ client, prefix })
    const request = { key: 'k', limits: [algorithm], cost: 1, consume: true, now: undefined }
    const error = await store.apply(request).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).message).toMatch(
      /^upstash store: apply failed: .*WRONGTYPE Operation against a key holding the wrong kind of value/,
    )
  })
})
