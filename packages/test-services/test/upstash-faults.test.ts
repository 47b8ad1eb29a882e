// Fault injection and the lifecycle of the local Upstash REST server.
import { createServer } from 'node:net'
import { describe, expect, inject, it, vi } from 'vitest'
import { redisCommand, startRedis, startUpstashServer, type UpstashServer } from '../src/index.ts'

function ping(server: UpstashServer, signal?: AbortSignal): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    body: '["PING"]',
    signal: signal ?? null,
  })
}

async function withServer(run: (server: UpstashServer) => Promise<void>): Promise<void> {
  const server = await startUpstashServer({ redisUrl: inject('redisUrl') })
  try {
    await run(server)
  } finally {
    await server.stop()
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

/** Redis clients connected to a server, not counting the one asking. */
async function connectedClients(address: { host: string; port: number }): Promise<number> {
  return String(await redisCommand(address, ['CLIENT', 'LIST']))
    .trim()
    .split('\n')
    .filter((line) => !line.includes('cmd=client|list')).length
}

describe('setFault', () => {
  it("'5xx' answers 503 with a JSON error, 'none' restores", async () => {
    await withServer(async (server) => {
      server.setFault('5xx')
      const res = await ping(server)
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ error: expect.stringContaining('Service Unavailable') })
      server.setFault('none')
      const ok = await ping(server)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ result: 'PONG' })
    })
  })

  it("'hang' never answers (the caller's timeout fires), 'none' restores", async () => {
    await withServer(async (server) => {
      server.setFault('hang')
      const started = Date.now()
      const error = await ping(server, AbortSignal.timeout(300)).catch((e: unknown) => e)
      expect((error as Error).name).toBe('TimeoutError')
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      server.setFault('none')
      expect(await (await ping(server)).json()).toEqual({ result: 'PONG' })
    })
  })

  it("'close' destroys the connection without an answer, 'none' restores", async () => {
    await withServer(async (server) => {
      server.setFault('close')
      const error = (await ping(server).catch((e: unknown) => e)) as Error
      expect(error).toBeInstanceOf(TypeError)
      expect(String((error.cause as Error | undefined)?.message ?? error.message)).toMatch(
        /other side closed|socket|ECONNRESET/i,
      )
      server.setFault('none')
      expect(await (await ping(server)).json()).toEqual({ result: 'PONG' })
    })
  })

  it('rejects an unknown fault', async () => {
    await withServer(async (server) => {
      expect(() => server.setFault('slow' as 'none')).toThrow(RangeError)
      expect(await (await ping(server)).json()).toEqual({ result: 'PONG' })
    })
  })
})

describe('lifecycle', () => {
  it('stop() destroys hanging requests, frees the port, closes its Redis connection, and is idempotent', async () => {
    const redis = await startRedis()
    try {
      const before = await connectedClients(redis)
      const listeners = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length
      const listenersBefore = listeners()
      const server = await startUpstashServer({ redisUrl: redis.url })
      expect(listeners()).toBe(listenersBefore + 1)
      const port = Number(new URL(server.url).port)
      expect(await (await ping(server)).json()).toEqual({ result: 'PONG' })
      expect(await connectedClients(redis)).toBe(before + 1)

      server.setFault('hang')
      const hanging = ping(server).catch((e: unknown) => e)
      await new Promise((resolve) => setTimeout(resolve, 100)) // the request reached the server
      const stopped = Date.now()
      await server.stop()
      const error = (await hanging) as Error
      expect(error).toBeInstanceOf(TypeError) // socket destroyed, not left hanging
      expect(Date.now() - stopped).toBeLessThan(2000)

      expect(await portIsFree(port)).toBe(true)
      await vi.waitFor(() => expect(listeners()).toBe(listenersBefore), { timeout: 30_000, interval: 10 })
      await expect(ping(server)).rejects.toThrow()
      await vi.waitFor(async () => expect(await connectedClients(redis)).toBe(before), {
        timeout: 30_000,
        interval: 20,
      })
      await server.stop() // idempotent
    } finally {
      await redis.stop()
    }
  })

  it('rejects bad options and an unreachable Redis with a message saying what is wrong', async () => {
    await expect(startUpstashServer({ redisUrl: 'http://127.0.0.1:1' })).rejects.toThrow(
      /redisUrl must be a redis:\/\/ URL/,
    )
    await expect(startUpstashServer({ redisUrl: inject('redisUrl'), token: 'has space' })).rejects.toThrow(
      TypeError,
    )
    await expect(startUpstashServer({ redisUrl: inject('redisUrl'), port: 70_000 })).rejects.toThrow(
      RangeError,
    )
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    await new Promise((resolve) => blocker.close(resolve)) // now nothing listens there
    const unreachable = await startUpstashServer({ redisUrl: `redis://:secret@127.0.0.1:${port}` }).catch(
      (e: unknown) => e as Error,
    )
    expect((unreachable as Error).message).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/)
    expect((unreachable as Error).message).not.toContain('secret')
  })

  it('answers 500 with a JSON error while Redis is down, and recovers when it is back', async () => {
    const redis = await startRedis()
    const server = await startUpstashServer({ redisUrl: redis.url })
    try {
      redis.kill()
      await vi.waitFor(() => expect(redis.pid).toBeUndefined(), { timeout: 30_000, interval: 20 })
      const down = await ping(server)
      expect(down.status).toBe(500)
      expect(await down.json()).toEqual({
        error: expect.stringContaining('ERR the local Upstash server failed'),
      })
      await redis.restart()
      await vi.waitFor(async () => expect(await (await ping(server)).json()).toEqual({ result: 'PONG' }), {
        timeout: 30_000,
        interval: 50,
      })
    } finally {
      await server.stop()
      await redis.stop()
    }
  })
})
