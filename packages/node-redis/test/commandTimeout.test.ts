// node-redis's own command timeout: a ready client's script calls make none (the store's deadline
// bounds them; v6 makes an AbortSignal.timeout per command otherwise), a reconnecting client's keep
// it, so a call queued offline is dropped by node-redis and never runs late.
import { createRateLimiter, fixedWindow, StoreError } from '@sluice/core'
import { startRedis, until } from '@sluice/test-services'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { nodeRedisStore } from '../src/index.ts'
import { type ClientOptions, MAJORS, randomPrefix, type TestClient, track, V6 } from './support/clients.ts'

/** v5 and v6 take a per-command `timeout` (v6 sets 5 s by default); v4 has none. */
const TIMED = MAJORS.filter((m) => m.name !== 'v4')
const limitOf = (client: TestClient, timeoutMs: number, prefix = randomPrefix('timeout')) =>
  createRateLimiter({
    store: nodeRedisStore({ client, timeoutMs, batch: false, prefix }),
    algorithm: fixedWindow({ limit: 10, window: '1h' }),
  })

afterEach(() => {
  vi.restoreAllMocks()
})

/** Client options with node-redis's per-command timeout. */
type TimedOptions = ClientOptions & { commandOptions: { timeout: number } }

describe('node-redis v6', () => {
  const createV6 = (options: TimedOptions) => track(V6.createClient(options as ClientOptions))

  // v6 times a command with an AbortSignal.timeout (v5 with a shared timer): the spy sees v6's.
  it('a ready client runs the scripts with no node-redis timeout of its own', async () => {
    const client = createV6({ url: inject('redisUrl'), commandOptions: { timeout: 5_000 } })
    await client.connect()
    const timeouts = vi.spyOn(AbortSignal, 'timeout')
    // The client's own commands still get the timeout: the spy sees node-redis's.
    await client.sendCommand(['PING'])
    expect(timeouts).toHaveBeenCalledWith(5_000)
    timeouts.mockClear()
    const limiter = limitOf(client, 20_000)
    for (let i = 1; i <= 12; i++) {
      const decision = await limiter.limit('k')
      expect(decision.allowed).toBe(i <= 10)
      expect(decision.remaining).toBe(Math.max(0, 10 - i))
    }
    expect(timeouts).not.toHaveBeenCalled()
  })
})

describe.each(TIMED)('node-redis $name', (major) => {
  const create = (options: TimedOptions) => track(major.createClient(options as ClientOptions))

  it('a reconnecting client keeps its timeout: the queued call is dropped, not run once Redis is back', async () => {
    const server = await startRedis()
    const { port, url } = server
    await server.stop()
    const client = create({ url, socket: { reconnectStrategy: () => 50 }, commandOptions: { timeout: 100 } })
    client.connect().catch(() => undefined)
    const prefix = randomPrefix('late')
    const timeouts = vi.spyOn(AbortSignal, 'timeout')
    // node-redis's TimeoutError (a StoreError's cause) at 100 ms, or the store's own at 300 ms.
    await expect(limitOf(client, 300, prefix).limit('late')).rejects.toThrow(StoreError)
    if (major === V6) expect(timeouts).toHaveBeenCalledWith(100)
    const back = await startRedis({ port })
    try {
      await until(() => client.isReady === true, 10_000)
      // Had the call queued offline been sent on reconnecting, this would be the second hit.
      // A deadline far above any stall of a loaded machine: this call is not about deadlines.
      expect((await limitOf(client, 20_000, prefix).limit('late')).remaining).toBe(9)
    } finally {
      await back.stop()
    }
  })
})
