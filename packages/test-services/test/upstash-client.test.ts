// The real @upstash/redis client (default options: auto-pipelining and base64 responses on)
// against the local Upstash REST server.
import { randomUUID } from 'node:crypto'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type RedisServer,
  redisCommand,
  startRedis,
  startUpstashServer,
  type UpstashServer,
} from '../src/index.ts'
import { sha1 } from '../src/upstash/scripts.ts'

const prefix = `upstash-client:${randomUUID()}:`

describe('@upstash/redis against the shared server', () => {
  const client = () => new Redis(inject('upstash'))

  it('runs get/set/incr/del, with auto-pipelined concurrent commands', async () => {
    const redis = client()
    const key = `${prefix}basic`
    expect(await redis.set(key, 'hello')).toBe('OK')
    expect(await redis.get(key)).toBe('hello')
    expect(await redis.get(`${prefix}missing`)).toBeNull()
    await redis.set(key, { nested: ['json', 1] })
    expect(await redis.get(key)).toEqual({ nested: ['json', 1] }) // the client's JSON round trip
    const counter = `${prefix}counter`
    const counts = await Promise.all(Array.from({ length: 50 }, () => redis.incr(counter)))
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(await redis.del(key, counter)).toBe(2)
  })

  it('returns hashes, lists and sets, and UTF-8 text through base64', async () => {
    const redis = client()
    await redis.hset(`${prefix}hash`, { name: 'Zoë 🌊', n: 3 })
    expect(await redis.hgetall(`${prefix}hash`)).toEqual({ name: 'Zoë 🌊', n: 3 })
    await redis.rpush(`${prefix}list`, 'a', 'OK', 'c')
    expect(await redis.lrange(`${prefix}list`, 0, -1)).toEqual(['a', 'OK', 'c'])
    expect(await redis.ping()).toBe('PONG')
  })

  it('runs pipelines and transactions', async () => {
    const redis = client()
    const key = `${prefix}tx`
    expect(await redis.pipeline().set(key, 1).incr(key).get(key).exec()).toEqual(['OK', 2, 2])
    expect(await redis.multi().incr(key).incrby(key, 10).exec()).toEqual([3, 13])
    await expect(redis.multi().set(key, 'x').incr(key).exec()).rejects.toThrow(
      /Command 2 \[ incr \] failed: ERR value is not an integer/,
    )
  })

  it('surfaces Redis errors with their text', async () => {
    const redis = client()
    await expect(redis.eval("return redis.error_reply('MYERR went wrong')", [], [])).rejects.toThrow(
      'MYERR went wrong',
    )
  })

  it('rejects a wrong token with 401 and does not leak it', async () => {
    const { url } = inject('upstash')
    const redis = new Redis({ url, token: 'not-the-token', retry: false })
    const error = (await redis.get('k').catch((e: unknown) => e)) as Error
    expect(error.message).toContain('WRONGPASS invalid or missing auth token')
    expect(error.message).not.toContain(inject('upstash').token)
  })
})

describe('@upstash/redis scripts', () => {
  let redisServer: RedisServer
  let server: UpstashServer
  let redis: Redis

  // A private redis-server: these tests flush its script cache.
  beforeAll(async () => {
    redisServer = await startRedis()
    server = await startUpstashServer({ redisUrl: redisServer.url })
    redis = new Redis({ url: server.url, token: server.token })
  })
  afterAll(async () => {
    await server.stop()
    await redisServer.stop()
  })

  /** How often Redis ran each script command (INFO commandstats). */
  async function scriptCalls(): Promise<{ eval: number; evalsha: number }> {
    const info = String(await redisCommand(redisServer, ['INFO', 'commandstats']))
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
    return { eval: calls('eval'), evalsha: calls('evalsha') }
  }

  it('runs eval and evalsha, with and without the allow-key-locking flag', async () => {
    const key = `${prefix}script`
    expect(await redis.eval('return redis.call("incrby", KEYS[1], ARGV[1])', [key], [5])).toBe(5)
    const flagged = '#!lua flags=allow-key-locking\nreturn {redis.call("incr", KEYS[1]), ARGV[1]}'
    expect(await redis.eval(flagged, [key], ['αβ'])).toEqual([6, 'αβ'])
    const sha = await redis.scriptLoad(flagged)
    expect(await redis.evalsha(sha, [key], ['x'])).toEqual([7, 'x'])
    expect(await redis.scriptExists(sha)).toEqual([1])
  })

  it('createScript runs flagged scripts by EVALSHA after one EVAL, and recovers from SCRIPT FLUSH', async () => {
    const key = `${prefix}created`
    const text = `#!lua flags=allow-key-locking\nreturn redis.call('incr', KEYS[1]) -- ${randomUUID()}`
    const script = redis.createScript<number>(text)
    const start = await scriptCalls()
    expect(await script.exec([key], [])).toBe(1) // EVALSHA → NOSCRIPT → EVAL
    for (let i = 2; i <= 5; i++) expect(await script.exec([key], [])).toBe(i)
    const warm = await scriptCalls()
    expect(warm.eval - start.eval).toBe(1)
    expect(warm.evalsha - start.evalsha).toBe(5) // one NOSCRIPT, then four in one request each

    expect(await redis.scriptFlush()).toBe('OK')
    await expect(redis.evalsha(sha1(text), [key], [])).rejects.toThrow(/NOSCRIPT/)
    expect(await script.exec([key], [])).toBe(6) // recovered through EVAL
    expect(await script.exec([key], [])).toBe(7)
    const after = await scriptCalls()
    expect(after.eval - warm.eval).toBe(1)
  })

  it('enforces allow-key-locking: declared keys only, no database-wide commands, pcall included', async () => {
    const [a, b] = [`${prefix}locked-a`, `${prefix}locked-b`]
    const flagged = (body: string) => `#!lua flags=allow-key-locking\n${body}`
    // Declared keys, TIME and multi-key commands over declared keys run as on Redis.
    const fine = flagged(
      "redis.call('SET', KEYS[1], '1') redis.call('TIME') return redis.call('DEL', KEYS[1], KEYS[2])",
    )
    expect(await redis.eval(fine, [a, b], [])).toBe(1)
    const refused: [string, RegExp][] = [
      [flagged("return redis.call('GET', ARGV[1])"), /accessed key '.*locked-b', which is not in KEYS/],
      [flagged("return redis.pcall('SET', ARGV[1], 'x')"), /accessed key '.*locked-b', which is not in KEYS/],
      [
        flagged("return redis.call('DEL', KEYS[1], ARGV[1])"),
        /accessed key '.*locked-b', which is not in KEYS/,
      ],
      [flagged("return redis.call('FLUSHDB')"), /'flushdb' needs database-wide access/],
      [flagged("return redis.call('SCAN', '0')"), /'scan' needs database-wide access/],
    ]
    for (const [text, message] of refused) {
      await expect(redis.eval(text, [a], [b]), text).rejects.toThrow(message)
      // By SHA too: the rules come with the cached script.
      const sha = await redis.scriptLoad(text)
      await expect(redis.evalsha(sha, [a], [b]), text).rejects.toThrow(message)
    }
    expect(await redis.exists(b)).toBe(0) // the refused SET wrote nothing
    // The same text without the flag runs: the rules are the flag's.
    expect(await redis.eval("return redis.call('GET', ARGV[1])", [a], [b])).toBeNull()
  })

  it('recovers concurrent auto-pipelined script calls after SCRIPT FLUSH', async () => {
    const key = `${prefix}flush-mid-traffic`
    const script = redis.createScript<number>(
      `#!lua flags=allow-key-locking\nreturn redis.call('incr', KEYS[1]) -- ${randomUUID()}`,
    )
    const first = await Promise.all(Array.from({ length: 20 }, () => script.exec([key], [])))
    await redis.scriptFlush()
    const second = await Promise.all(Array.from({ length: 20 }, () => script.exec([key], [])))
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  })
})
