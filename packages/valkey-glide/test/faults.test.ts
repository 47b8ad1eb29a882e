// Faults through GLIDE: every call settles within timeoutMs (StoreTimeoutError on a server that does
// not answer, or on GLIDE's own shorter requestTimeout), a closed client and GLIDE's in-flight bound
// are named StoreErrors carrying the cause, a killed server is survived. (No ACL-without-INFO test as
// for the other stores: GLIDE itself runs INFO when it connects, and closes a client that may not.)
import { createRateLimiter, gcra, type RateLimiter, StoreError, StoreTimeoutError } from '@sluice/core'
import { eventLoopLag, type RedisServer, startRedis } from '@sluice/test-services'
import { ClosingError, type GlideClient, TimeoutError } from '@valkey/valkey-glide'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ValkeyGlideClient, valkeyGlideStore } from '../src/index.ts'
import { glideClient, randomPrefix, redisAddress } from './support/clients.ts'

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

/** Runs calls in parallel; each must settle with an error of one of `kinds` within `boundMs`. */
async function expectSettledFailures(
  limiter: RateLimiter,
  n: number,
  kinds: (typeof StoreError)[],
  boundMs = TIMEOUT_MS,
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
    expect(ms).toBeLessThan(boundMs + MARGIN_MS + lag.maxMs())
  }
  return outcomes.map((o) => o.error)
}

const limiterOn = (client: ValkeyGlideClient, options: { timeoutMs?: number; batch?: boolean } = {}) =>
  createRateLimiter({
    store: valkeyGlideStore({ client, timeoutMs: TIMEOUT_MS, prefix: randomPrefix('faults'), ...options }),
    algorithm: gcra({ rate: 10, period: '1s' }),
  })

describe('a server that stops answering (SIGSTOP) and a killed one', () => {
  // A server of this file's own: it is stopped, killed and restarted here.
  let server: RedisServer
  let client: GlideClient
  beforeAll(async () => {
    server = await startRedis()
    client = await glideClient({ host: '127.0.0.1', port: server.port })
  })
  afterAll(async () => {
    client.close()
    await server.stop()
  })

  it('calls and reset settle within timeoutMs with StoreTimeoutError while the server is stopped', async () => {
    const limiter = limiterOn(client)
    expect((await limiter.limit('before')).allowed).toBe(true)
    server.kill('SIGSTOP')
    try {
      const errors = await expectSettledFailures(limiter, 5, [StoreTimeoutError])
      expect(String(errors[0])).toMatch(
        /valkey-glide store: apply got no answer from the server within 300 ms \(client open\)/,
      )
      const lag = eventLoopLag()
      const started = performance.now()
      await expect(limiter.reset('k')).rejects.toThrow(StoreTimeoutError)
      lag.stop()
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS + lag.maxMs())
    } finally {
      server.kill('SIGCONT')
    }
    // The answers owed arrive; the next call is decided by the server again (a limiter of its own:
    // this one's circuit breaker opened after 5 failures).
    expect((await limiterOn(client).limit('after')).allowed).toBe(true)
  })

  it("GLIDE's own requestTimeout, shorter than timeoutMs, is a StoreTimeoutError that names it", async () => {
    const short = await glideClient({ host: '127.0.0.1', port: server.port }, { requestTimeout: 100 })
    const limiter = limiterOn(short, { timeoutMs: 5000 })
    expect((await limiter.limit('before')).allowed).toBe(true)
    server.kill('SIGSTOP')
    let errors: unknown[]
    try {
      // GLIDE gives up after its 100 ms (its timer runs in its native core: bounded loosely here),
      // long before the store's 5000 ms; the message and cause say whose timeout it was.
      errors = await expectSettledFailures(limiter, 3, [StoreTimeoutError], 1000)
    } finally {
      server.kill('SIGCONT')
    }
    expect(String(errors[0])).toMatch(
      /timed out in the GLIDE client .*raise it in GlideClient\.createClient\(\{ requestTimeout \}\)/,
    )
    expect((errors[0] as StoreTimeoutError).cause).toBeInstanceOf(TimeoutError)
  })

  it('fails calls within timeoutMs while the server is killed, and recovers once it is back', async () => {
    const limiter = limiterOn(client)
    expect((await limiter.limit('before')).allowed).toBe(true)
    server.kill('SIGKILL')
    await expectSettledFailures(limiter, 20, [StoreTimeoutError, StoreError])
    await server.restart()
    // GLIDE reconnects on its own; the fresh server has no scripts: loaded again, transparently.
    const deadline = Date.now() + 20_000
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

describe('the GLIDE client', () => {
  it('closed after the store was made: calls fail at once with a StoreError saying so, carrying ClosingError', async () => {
    const client = await glideClient()
    const limiter = limiterOn(client)
    expect((await limiter.limit('open')).allowed).toBe(true)
    client.close()
    const errors = await expectSettledFailures(limiter, 2, [StoreError])
    expect(errors[0]).not.toBeInstanceOf(StoreTimeoutError)
    expect(String(errors[0])).toMatch(/client closed: create a new client, GLIDE does not reopen one/)
    expect((errors[0] as StoreError).cause).toBeInstanceOf(ClosingError)
  })

  it('past its inflightRequestsLimit, unbatched calls fail with a StoreError saying what to do; batched ones share a call', async () => {
    // GLIDE counts more than the store's calls against the bound (a bound of 3 refused even a lone
    // call here): 16 lets a lone call through and refuses part of a burst of 40.
    const client = await glideClient(redisAddress(), { inflightRequestsLimit: 16 })
    const unbatched = limiterOn(client, { batch: false, timeoutMs: 20_000 })
    expect((await unbatched.limit('warm')).allowed).toBe(true)
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => unbatched.limit(`u${i}`)))
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]).toBeInstanceOf(StoreError)
    expect(String(refused[0])).toMatch(/inflightRequestsLimit \(default 1000\): keep batch: true/)

    // The same burst batched is 3 engine calls (16 + 16 + 8 decisions).
    const batched = limiterOn(client, { timeoutMs: 20_000 })
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => batched.limit(`b${i}`)))
    expect(decisions.every((d) => d.allowed)).toBe(true)
  })
})
