import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { describe, expect, inject, it, vi } from 'vitest'
import { type RedisAddress, redisCommand, startCluster, startRedis } from '../src/index.ts'
import { encodeCommand, parseReply, RespError } from '../src/resp.ts'

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port))
    return true
  } catch {
    return false
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function info(text: unknown): Record<string, string> {
  return Object.fromEntries(
    String(text)
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  )
}

/** Masters and their slot counts as one node sees them. */
async function mastersOf(node: RedisAddress): Promise<{ port: number; slots: number }[]> {
  const lines = String(await redisCommand(node, ['CLUSTER', 'NODES']))
    .trim()
    .split('\n')
  return lines
    .map((line) => line.split(' '))
    .filter((fields) => fields[2]?.split(',').includes('master'))
    .map((fields) => ({
      port: Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]),
      slots: fields.slice(8).reduce((sum, range) => {
        const [from, to = from] = range.split('-').map(Number)
        return sum + ((to ?? 0) - (from ?? 0) + 1)
      }, 0),
    }))
}

async function expectHealthyCluster(nodes: readonly RedisAddress[], masters: number): Promise<void> {
  for (const node of nodes) {
    const state = info(await redisCommand(node, ['CLUSTER', 'INFO']))
    expect(state.cluster_state).toBe('ok')
    expect(Number(state.cluster_slots_assigned)).toBe(16384)
    expect(Number(state.cluster_slots_ok)).toBe(16384)
    expect(Number(state.cluster_known_nodes)).toBe(nodes.length)
  }
  const seen = await mastersOf(nodes[0] as RedisAddress)
  expect(seen).toHaveLength(masters)
  expect(seen.every((master) => master.slots > 0)).toBe(true)
  expect(seen.reduce((sum, master) => sum + master.slots, 0)).toBe(16384)
}

describe('startRedis', () => {
  it('starts a private redis-server that answers PING, without persistence, and cleans up on stop', async () => {
    const server = await startRedis()
    const { port, dir, pid } = server
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`redis://127.0.0.1:${port}`)
    expect(port).not.toBe(6379)
    expect(await redisCommand(server, ['PING'])).toBe('PONG')
    expect(await redisCommand(server, ['CONFIG', 'GET', 'save'])).toEqual(['save', ''])
    expect(await redisCommand(server, ['CONFIG', 'GET', 'appendonly'])).toEqual(['appendonly', 'no'])
    expect(await redisCommand(server, ['CONFIG', 'GET', 'bind'])).toEqual(['bind', '127.0.0.1'])
    expect(existsSync(`${dir}/redis.log`)).toBe(true)
    expect(pid && processExists(pid)).toBe(true)

    await server.stop()
    expect(await portIsFree(port)).toBe(true)
    expect(existsSync(dir)).toBe(false)
    expect(processExists(pid as number)).toBe(false)
    await server.stop() // idempotent
    await expect(server.restart()).rejects.toThrow(/stopped/)
  })

  it('comes back on the same port after kill -9 and restart()', async () => {
    const server = await startRedis()
    try {
      const { port, pid } = server
      await redisCommand(server, ['SET', 'key', 'value'])
      server.kill() // SIGKILL
      await vi.waitFor(() => expect(server.pid).toBeUndefined(), { timeout: 30_000, interval: 10 })
      await expect(redisCommand(server, ['PING'], 500)).rejects.toThrow()

      await server.restart()
      expect(server.port).toBe(port)
      expect(server.pid).not.toBe(pid)
      expect(await redisCommand(server, ['PING'])).toBe('PONG')
      expect(await redisCommand(server, ['GET', 'key'])).toBeNull() // nothing was persisted

      await server.restart() // restart of a running server: stop, then start again
      expect(await redisCommand(server, ['PING'])).toBe('PONG')
    } finally {
      await server.stop()
    }
  })

  it('rejects with the tail of the server log when it cannot start', async () => {
    const blocker = await listen()
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      await expect(startRedis({ port })).rejects.toThrow(/exited during startup[\s\S]*Address already in use/)
    } finally {
      await close(blocker)
    }
  })
})

describe('startCluster', () => {
  it('starts 3 masters covering all 16384 slots, redirects by slot, and cleans up on stop', async () => {
    const cluster = await startCluster()
    const dirs = cluster.servers.map((server) => server.dir)
    try {
      expect(cluster.nodes).toHaveLength(3)
      await expectHealthyCluster(cluster.nodes, 3)

      const slot = Number(await redisCommand(cluster.nodes[0] as RedisAddress, ['CLUSTER', 'KEYSLOT', 'k']))
      const owners = (await redisCommand(cluster.nodes[0] as RedisAddress, ['CLUSTER', 'SLOTS'])) as [
        number,
        number,
        [string, number],
      ][]
      const ownerPort = owners.find(([from, to]) => slot >= from && slot <= to)?.[2][1]
      const owner = cluster.nodes.find((node) => node.port === ownerPort) as RedisAddress
      const other = cluster.nodes.find((node) => node.port !== ownerPort) as RedisAddress
      expect(await redisCommand(owner, ['SET', 'k', 'v'])).toBe('OK')
      await expect(redisCommand(other, ['SET', 'k', 'v'])).rejects.toThrow(
        `MOVED ${slot} 127.0.0.1:${ownerPort}`,
      )
    } finally {
      await cluster.stop()
    }
    for (const node of cluster.nodes) expect(await portIsFree(node.port)).toBe(true)
    for (const dir of dirs) expect(existsSync(dir)).toBe(false)
  })

  it('rejects fewer than 3 masters', async () => {
    await expect(startCluster({ masters: 2 })).rejects.toThrow(RangeError)
  })
})

describe('vitest globalSetup', () => {
  it('provides the URL of a running redis-server', async () => {
    const url = new URL(inject('redisUrl'))
    expect(url.protocol).toBe('redis:')
    expect(url.hostname).toBe('127.0.0.1')
    expect(await redisCommand({ host: url.hostname, port: Number(url.port) }, ['PING'])).toBe('PONG')
  })

  it('provides the nodes of a healthy 3-master cluster', async () => {
    const nodes = inject('clusterNodes')
    expect(nodes).toHaveLength(3)
    await expectHealthyCluster(nodes, 3)
  })
})

describe('ensureRedisInstalled', () => {
  it('resolves when redis-server and redis-cli are on PATH', async () => {
    const { ensureRedisInstalled } = await import('../src/install.ts')
    await expect(ensureRedisInstalled()).resolves.toBeUndefined()
  })

  it('throws with the install command when they are missing and apt-get is not available', async () => {
    vi.resetModules()
    const { ensureRedisInstalled, redisInstallCommand } = await import('../src/install.ts')
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await expect(ensureRedisInstalled()).rejects.toThrow(redisInstallCommand())
    } finally {
      process.env.PATH = path
    }
  })
})

describe('RESP', () => {
  it('encodes commands and parses replies, waiting for complete input', () => {
    expect(encodeCommand(['GET', 'k']).toString()).toBe('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n')
    const reply = Buffer.from('*3\r\n:1\r\n$-1\r\n*1\r\n$2\r\nhi\r\n')
    expect(parseReply(reply, 0)).toEqual({ value: [1, null, ['hi']], offset: reply.length })
    expect(parseReply(reply.subarray(0, reply.length - 1), 0)).toBeUndefined()
    expect(parseReply(Buffer.from('-ERR no\r\n'), 0)?.value).toBeInstanceOf(RespError)
  })
})
