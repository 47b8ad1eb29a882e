import { createServer, type Server } from 'node:net'
import {
  createRateLimiter,
  gcra,
  type RateLimiter,
  StoreError,
  StoreTimeoutError,
  tokenBucket,
} from '@sluice/core'
import { eventLoopLag, type RedisServer, startRedis } from '@sluice/test-services'
import type {} from '@sluice/test-services/vitest'
import { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { closeQuietly } from './support/clients.ts'

const TIMEOUT_MS = 300
/** What "settles within timeoutMs" may overrun by, besides the event loop lag measured meanwhile. */
const MARGIN_MS = 250

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  // Let abandoned commands settle (clients are closed by then), then require that none went unhandled.
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(unhandled).toEqual([])
})

const clients: (Redis | Cluster)[] = []
afterAll(() => Promise.all(clients.map(closeQuietly)))
function track<T extends Redis | Cluster>(client: T): T {
  client.on('error', () => undefined)
  clients.push(client)
  return client
}

/** Runs calls in parallel; each must settle with an error of one of `kinds` within the deadline. */
async function expectSettledFailures(
  limiter: RateLimiter,
  n: number,
  kinds: (typeof StoreError)[],
): Promise<void> {
  const lag = eventLoopLag()
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
  lag.stop()
  for (const { error, ms } of outcomes) {
    expect(
      kinds.some((kind) => error instanceof kind),
      String(error),
    ).toBe(true)
    expect(ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS + lag.maxMs())
    if (!(error instanceof StoreTimeoutError)) expect((error as StoreError).cause).toBeDefined()
  }
}

const limiterOn = (client: Redis | Cluster, timeoutMs = TIMEOUT_MS) =>
  createRateLimiter({
    store: ioredisStore({ client, timeoutMs }),
    algorithm: gcra({ rate: 10, period: '1s' }),
  })

describe('Redis unreachable at start', () => {
  let deadPort = 0
  beforeAll(async () => {
    const server = await startRedis()
    deadPort = server.port
    await server.stop()
  })

  it('calls time out within timeoutMs while ioredis reconnects with its offline queue', async () => {
    const client = track(new Redis({ port: deadPort, host: '127.0.0.1' }))
    await expectSettledFailures(limiterOn(client), 5, [StoreTimeoutError])
    // The abandoned commands are still queued; they must not surface once the client gives up.
    client.disconnect()
  })

  it('calls fail at once with a StoreError when the offline queue is off', async () => {
    const client = track(new Redis({ port: deadPort, host: '127.0.0.1', enableOfflineQueue: false }))
    await expectSettledFailures(limiterOn(client), 5, [StoreError])
  })

  it('calls on a Cluster whose nodes are all down settle within timeoutMs too', async () => {
    const client = track(
      new Cluster([{ host: '127.0.0.1', port: deadPort }], { clusterRetryStrategy: () => 100 }),
    )
    await expectSettledFailures(limiterOn(client), 5, [StoreTimeoutError, StoreError])
  })

  it('reset settles within timeoutMs as well', async () => {
    const client = track(new Redis({ port: deadPort, host: '127.0.0.1' }))
    const lag = eventLoopLag()
    const started = performance.now()
    await expect(limiterOn(client).reset('k')).rejects.toThrow(StoreTimeoutError)
    lag.stop()
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS + lag.maxMs())
  })

  it('a closed client fails with a StoreError carrying its cause', async () => {
    const client = track(new Redis({ port: deadPort, host: '127.0.0.1', lazyConnect: true }))
    client.disconnect()
    await expectSettledFailures(limiterOn(client), 2, [StoreError])
  })
})

describe('Redis killed in the middle of traffic', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(() => server.stop())

  it('fails calls within timeoutMs while it is down, and recovers once it is back', async () => {
    const client = track(new Redis(server.url, { maxRetriesPerRequest: 2 }))
    const limiter = limiterOn(client)
    expect((await limiter.limit('before')).allowed).toBe(true)
    server.kill('SIGKILL')
    await expectSettledFailures(limiter, 20, [StoreTimeoutError, StoreError])
    await server.restart()
    // ioredis reconnects on its own; the fresh server has no scripts: EVAL again, transparently.
    const deadline = Date.now() + 10_000
    let recovered = false
    while (!recovered && Date.now() < deadline) {
      recovered = await limiter.limit('after').then(
        (d) => d.allowed,
        () => false,
      )
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(recovered).toBe(true)
  }, 120_000)
})

describe('a server older than the scripts need', () => {
  // No Redis 4 can be installed here: a minimal RESP responder answers INFO like one. No Lua runs.
  let fake: Server
  let port = 0
  const received: string[] = []
  beforeAll(async () => {
    fake = createServer((socket) => {
      socket.on('data', (data) => {
        for (const name of commandNames(data.toString('latin1'))) {
          received.push(name)
          if (name === 'info') {
            const body = '# Server\r\nredis_version:4.0.14\r\nloading:0\r\n'
            socket.write(`$${body.length}\r\n${body}\r\n`)
          } else {
            socket.write('+OK\r\n')
          }
        }
      })
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    port = (fake.address() as { port: number }).port
  })
  afterAll(() => {
    fake.close()
  })

  it('fails every call with a StoreError naming the minimum version, and runs no script', async () => {
    const client = track(new Redis({ port, host: '127.0.0.1' }))
    const limiter = limiterOn(client, 2000)
    for (let i = 0; i < 2; i++) {
      await expect(limiter.limit('k')).rejects.toThrow(/Redis 4\.0\.14, older than 5\.0\.0/)
    }
    expect(received.filter((name) => name.startsWith('eval'))).toEqual([])
    client.disconnect()
  })
})

describe('a user whose ACL forbids INFO', () => {
  it('still gets decisions: the version check steps aside', async () => {
    const admin = track(new Redis(inject('redisUrl')))
    const user = `noinfo${Math.random().toString(36).slice(2, 8)}`
    await admin.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '+@all', '-info')
    try {
      const url = new URL(inject('redisUrl'))
      const client = track(
        new Redis({
          host: url.hostname,
          port: Number(url.port),
          username: user,
          password: 'pw',
          enableReadyCheck: false,
        }),
      )
      await expect(client.info()).rejects.toThrow(/NOPERM/)
      const limiter = createRateLimiter({
        store: ioredisStore({ client, prefix: `acl:${user}:` }),
        // Refilled once an hour: a fixed window's boundary between the two calls would admit both.
        algorithm: tokenBucket({ capacity: 1, refillRate: 1, refillInterval: '1h' }),
      })
      expect((await limiter.limit('k')).allowed).toBe(true)
      expect((await limiter.limit('k')).allowed).toBe(false)
    } finally {
      await admin.call('ACL', 'DELUSER', user)
    }
  })
})

/** Command names in a chunk of RESP arrays (`*N\r\n$len\r\nname\r\n…`). */
function commandNames(chunk: string): string[] {
  const names: string[] = []
  const pattern = /\*\d+\r\n\$\d+\r\n([^\r]*)\r\n/g
  for (let m = pattern.exec(chunk); m !== null; m = pattern.exec(chunk))
    names.push((m[1] as string).toLowerCase())
  return names
}
