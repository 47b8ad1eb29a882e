// Faults through node-redis, on every major: every call settles within timeoutMs (StoreTimeoutError
// while node-redis queues offline, StoreError carrying the cause otherwise), a never-connected
// client says to connect it, a killed server is survived, an old server is refused, an ACL without
// INFO is trusted.
import { createServer, type Server } from 'node:net'
import {
  createRateLimiter,
  gcra,
  type RateLimiter,
  StoreError,
  StoreTimeoutError,
  tokenBucket,
} from '@sluice/core'
import { eventLoopLag, type RedisServer, redisCommand, startRedis } from '@sluice/test-services'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { type NodeRedisClientOrCluster, nodeRedisStore } from '../src/index.ts'
import { MAJORS, track } from './support/clients.ts'

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
  // Let abandoned commands settle, then require that none went unhandled.
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(unhandled).toEqual([])
})

/** Runs calls in parallel; each must settle with an error of one of `kinds` within the deadline. */
async function expectSettledFailures(
  limiter: RateLimiter,
  n: number,
  kinds: (typeof StoreError)[],
): Promise<unknown[]> {
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
  return outcomes.map((o) => o.error)
}

const limiterOn = (client: NodeRedisClientOrCluster, timeoutMs = TIMEOUT_MS) =>
  createRateLimiter({
    store: nodeRedisStore({ client, timeoutMs }),
    algorithm: gcra({ rate: 10, period: '1s' }),
  })

/** Starts connecting without waiting: against a dead port node-redis retries, queueing commands. */
function connecting<T extends { connect(): Promise<unknown> }>(client: T): T {
  client.connect().catch(() => undefined)
  return client
}

describe.each(MAJORS)('node-redis $name', (major) => {
  describe('Redis unreachable at start', () => {
    let deadUrl = ''
    beforeAll(async () => {
      const server = await startRedis()
      deadUrl = server.url
      await server.stop()
    })
    // Retries every 100 ms, for ever: a client whose server is down for now.
    const retrying = { reconnectStrategy: () => 100 }

    it('calls time out within timeoutMs while node-redis reconnects with its offline queue', async () => {
      const client = connecting(track(major.createClient({ url: deadUrl, socket: retrying })))
      const errors = await expectSettledFailures(limiterOn(client), 5, [StoreTimeoutError])
      expect(String(errors[0])).toMatch(/within 300 ms \(client open, /)
    })

    it('calls fail at once with a StoreError when the offline queue is off', async () => {
      const client = connecting(
        track(major.createClient({ url: deadUrl, socket: retrying, disableOfflineQueue: true })),
      )
      await expectSettledFailures(limiterOn(client), 5, [StoreError])
    })

    it('calls on a Cluster whose nodes are all down settle within timeoutMs too', async () => {
      const client = connecting(track(major.createCluster({ rootNodes: [{ url: deadUrl }] })))
      await expectSettledFailures(limiterOn(client), 5, [StoreTimeoutError, StoreError])
    })

    it('reset settles within timeoutMs as well', async () => {
      const client = connecting(track(major.createClient({ url: deadUrl, socket: retrying })))
      const lag = eventLoopLag()
      const started = performance.now()
      await expect(limiterOn(client).reset('k')).rejects.toThrow(StoreTimeoutError)
      lag.stop()
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS + lag.maxMs())
    })
  })

  it('a client never connected fails at once with a StoreError that says to connect it', async () => {
    const client = track(major.createClient({ url: inject('redisUrl') }))
    const errors = await expectSettledFailures(limiterOn(client), 2, [StoreError])
    expect(String(errors[0])).toMatch(
      /client is closed.*call `await client\.connect\(\)` before the first call/,
    )
  })

  describe('Redis killed in the middle of traffic', () => {
    let server: RedisServer
    beforeAll(async () => {
      server = await startRedis()
    })
    afterAll(() => server.stop())

    it('fails calls within timeoutMs while it is down, and recovers once it is back', async () => {
      const client = track(major.createClient({ url: server.url, socket: { reconnectStrategy: () => 100 } }))
      await client.connect()
      const limiter = limiterOn(client)
      expect((await limiter.limit('before')).allowed).toBe(true)
      server.kill('SIGKILL')
      await expectSettledFailures(limiter, 20, [StoreTimeoutError, StoreError])
      await server.restart()
      // node-redis reconnects on its own; the fresh server has no scripts: EVAL again, transparently.
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
    })
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
      const client = track(major.createClient({ url: `redis://127.0.0.1:${port}` }))
      await client.connect()
      const limiter = limiterOn(client, 2000)
      for (let i = 0; i < 2; i++) {
        await expect(limiter.limit('k')).rejects.toThrow(
          /node-redis store: the server runs Redis 4\.0\.14, older than 5\.0\.0/,
        )
      }
      expect(received).toContain('info')
      expect(received.filter((name) => name.startsWith('eval'))).toEqual([])
    })
  })

  it('a user whose ACL forbids INFO still gets decisions: the version check steps aside', async () => {
    const url = new URL(inject('redisUrl'))
    const admin = { host: url.hostname, port: Number(url.port) }
    const user = `noinfo${major.name}${Math.random().toString(36).slice(2, 8)}`
    await redisCommand(admin, ['ACL', 'SETUSER', user, 'on', '>pw', '~*', '+@all', '-info'])
    try {
      const client = track(major.createClient({ url: `redis://${user}:pw@${url.host}` }))
      await client.connect()
      await expect(client.sendCommand(['INFO', 'server'])).rejects.toThrow(/NOPERM/)
      const limiter = createRateLimiter({
        store: nodeRedisStore({ client, prefix: `acl:${user}:` }),
        // Refilled once an hour: a fixed window's boundary between the two calls would admit both.
        algorithm: tokenBucket({ capacity: 1, refillRate: 1, refillInterval: '1h' }),
      })
      expect((await limiter.limit('k')).allowed).toBe(true)
      expect((await limiter.limit('k')).allowed).toBe(false)
    } finally {
      await redisCommand(admin, ['ACL', 'DELUSER', user])
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
