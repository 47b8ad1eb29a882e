// The local Upstash REST server spoken to with raw fetch: the wire format itself.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { redisCommand, startUpstashServer, type UpstashServer } from '../src/index.ts'
import { MAX_KEY_BYTES } from '../src/upstash/commands.ts'
import { sha1 } from '../src/upstash/scripts.ts'
import { MAX_REQUEST_BYTES } from '../src/upstash/server.ts'

let server: UpstashServer
const prefix = `upstash-http:${randomUUID()}:`

beforeAll(async () => {
  server = await startUpstashServer({ redisUrl: inject('redisUrl') })
})
afterAll(() => server.stop())

interface Reply {
  status: number
  text: string
  json: unknown
}

async function post(
  path: string,
  body: unknown,
  { base64 = false, token = server.token }: { base64?: boolean; token?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (base64) headers['upstash-encoding'] = 'base64'
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  expect(res.headers.get('content-type')).toBe('application/json')
  return { status: res.status, text, json: JSON.parse(text) }
}

const b64 = (text: string) => Buffer.from(text).toString('base64')

describe('auth', () => {
  it('answers 401 without the right bearer token, and never echoes a token', async () => {
    for (const token of [null, 'wrong-token', `${server.token}x`, server.token.slice(1)]) {
      const reply = await post('/', ['PING'], { token })
      expect(reply.status).toBe(401)
      expect(reply.json).toEqual({ error: 'WRONGPASS invalid or missing auth token' })
      expect(reply.text).not.toContain(server.token)
      if (token) expect(reply.text).not.toContain(token)
    }
    const basic = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Basic ${server.token}` },
      body: '["PING"]',
    })
    expect(basic.status).toBe(401)
    expect((await post('/', ['PING'])).json).toEqual({ result: 'PONG' })
  })

  it('reads the Authorization scheme case-insensitively (bearer, BEARER), as HTTP defines it', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { authorization: `${scheme} ${server.token}` },
        body: '["PING"]',
      })
      expect(await res.json(), scheme).toEqual({ result: 'PONG' })
    }
  })

  it('accepts the token as the _token query parameter too, as Upstash does', async () => {
    const res = await fetch(`${server.url}/?_token=${server.token}`, { method: 'POST', body: '["PING"]' })
    expect(await res.json()).toEqual({ result: 'PONG' })
  })

  it('uses the token it was given', async () => {
    const own = await startUpstashServer({ redisUrl: inject('redisUrl'), token: 'given-token' })
    try {
      expect(own.token).toBe('given-token')
      expect(own.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(own.url, {
        method: 'POST',
        headers: { authorization: 'Bearer given-token' },
        body: '["PING"]',
      })
      expect(await res.json()).toEqual({ result: 'PONG' })
    } finally {
      await own.stop()
    }
    expect(server.token).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('POST / (one command)', () => {
  it('answers {"result": …} with integers as numbers and a present null', async () => {
    const key = `${prefix}single`
    expect(await post('/', ['SET', key, 'v'])).toMatchObject({ status: 200, json: { result: 'OK' } })
    expect((await post('/', ['GET', key])).json).toEqual({ result: 'v' })
    expect(await post('/', ['GET', `${prefix}missing`])).toMatchObject({
      status: 200,
      text: '{"result":null}',
    })
    expect((await post('/', ['EXISTS', key])).json).toEqual({ result: 1 })
    expect((await post('/', ['HGETALL', `${prefix}missing`])).json).toEqual({ result: [] })
    // Replies keep Redis's shape: a flat array for a hash, a string for a score.
    await post('/', ['HSET', `${prefix}hash`, 'f', 'v', 'g', 'w'])
    expect((await post('/', ['hgetall', `${prefix}hash`])).json).toEqual({ result: ['f', 'v', 'g', 'w'] })
    await post('/', ['ZADD', `${prefix}zset`, 1.5, 'm'])
    expect((await post('/', ['zpopmin', `${prefix}zset`])).json).toEqual({ result: ['m', '1.5'] })
  })

  it('takes numbers and booleans as arguments', async () => {
    const key = `${prefix}args`
    expect((await post('/', ['SET', key, 41])).json).toEqual({ result: 'OK' })
    expect((await post('/', ['INCRBY', key, 1])).json).toEqual({ result: 42 })
    expect((await post('/', ['INCRBYFLOAT', key, 0.5])).json).toEqual({ result: '42.5' })
    expect((await post('/', ['SET', key, true])).json).toEqual({ result: 'OK' })
    expect((await post('/', ['GET', key])).json).toEqual({ result: 'true' })
    expect((await post('/', ['SET', key, 'x', 'PX', 60_000])).json).toEqual({ result: 'OK' })
    const ttl = (await post('/', ['PTTL', key])).json as { result: number }
    expect(ttl.result).toBeGreaterThan(50_000)
  })

  it('keeps nested arrays', async () => {
    const { json } = await post('/', ['EVAL', "return {1, 'a', {2, {'b', false}}, {}}", 0])
    expect(json).toEqual({ result: [1, 'a', [2, ['b', null]], []] })
  })

  it('answers 400 with the Redis error text when the command fails', async () => {
    const key = `${prefix}text`
    await post('/', ['SET', key, 'not a number'])
    expect(await post('/', ['INCR', key])).toMatchObject({
      status: 400,
      json: { error: 'ERR value is not an integer or out of range' },
    })
    const unknown = await post('/', ['NOPE', 'x'])
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual({ error: expect.stringMatching(/^ERR unknown command 'NOPE'/) })
    const script = await post('/', ['EVAL', "return redis.call('nope')", 0])
    expect(script.status).toBe(400)
    expect(script.json).toEqual({
      error: expect.stringContaining('Unknown Redis command called from script'),
    })
  })

  it('answers 400 naming the problem for a malformed request', async () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [{ command: 'GET' }, /non-empty JSON array/],
      [[], /non-empty JSON array/],
      [['GET', null], /argument 1 .* JSON string, number or boolean, got null/],
      [['SET', 'k', { a: 1 }], /argument 2 .* got \{"a":1\}/],
      [['MULTI'], /'multi' is not supported .*\/multi-exec/],
      [['BLPOP', 'k', 0], /'blpop' is not supported .* block/],
    ]
    for (const [body, message] of cases) {
      const reply = await post('/', body)
      expect(reply.status, JSON.stringify(body)).toBe(400)
      expect((reply.json as { error: string }).error).toMatch(message)
    }
  })

  it("refuses a body over Upstash's 10 MB with its error, and takes one just under it", async () => {
    // The JSON around the value: ["SET","<key>","<value>"] is 13 bytes plus the key.
    const key = `${prefix}huge`
    const fits = MAX_REQUEST_BYTES - 13 - key.length
    const reply = await post('/', ['SET', key, 'x'.repeat(fits + 1)])
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({ error: 'ERR max request size exceeded' })
    expect((await post('/', ['EXISTS', key])).json).toEqual({ result: 0 })
    expect((await post('/', ['SET', key, 'x'.repeat(fits)])).json).toEqual({ result: 'OK' })
    expect((await post('/', ['DEL', key])).json).toEqual({ result: 1 })
  })

  it("refuses a key over Upstash's 32 kB with its error, in any command and as a script's key", async () => {
    const long = `${prefix}${'k'.repeat(MAX_KEY_BYTES)}`
    const error = `ERR max key size exceeded. Limit: ${MAX_KEY_BYTES} bytes, Actual: ${Buffer.byteLength(long)} bytes`
    expect(await post('/', ['SET', long, 'v'])).toMatchObject({ status: 400, json: { error } })
    expect(
      (
        await post('/pipeline', [
          ['GET', `${prefix}short`],
          ['DEL', `${prefix}a`, long],
        ])
      ).json,
    ).toEqual([{ result: null }, { error }])
    expect((await post('/', ['EVAL', 'return 1', '2', `${prefix}a`, long])).json).toEqual({ error })
    // An argument that is no key may be longer; a key of exactly 32 kB is taken.
    expect((await post('/', ['EVAL', 'return #ARGV[1]', '0', long])).json).toEqual({ result: long.length })
    const exact = `${prefix}${'k'.repeat(MAX_KEY_BYTES - Buffer.byteLength(prefix))}`
    expect((await post('/', ['SET', exact, 'v'])).json).toEqual({ result: 'OK' })
    expect((await post('/', ['DEL', exact])).json).toEqual({ result: 1 })
  })

  it('answers 404 for an unknown endpoint and 405 for GET', async () => {
    expect((await post('/nope', ['PING'])).status).toBe(404)
    expect((await post('/nope', '{not json')).status).toBe(404)
    const get = await fetch(server.url, { headers: { authorization: `Bearer ${server.token}` } })
    expect(get.status).toBe(405)
    expect(await get.json()).toEqual({ error: expect.stringContaining('POST') })
  })
})

describe('POST /pipeline', () => {
  it('answers 200 with one {result} or {error} per command, in order', async () => {
    const key = `${prefix}pipeline`
    const reply = await post('/pipeline', [
      ['SET', key, 1],
      ['INCR', key],
      ['HSET', key, 'f', 'v'],
      ['GET', `${prefix}missing`],
      ['WATCH', key],
      ['INCRBY', key, 10],
    ])
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual([
      { result: 'OK' },
      { result: 2 },
      { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
      { result: null },
      { error: expect.stringContaining("'watch' is not supported") },
      { result: 12 },
    ])
  })

  it('answers 400 for a body that is not an array of commands', async () => {
    expect((await post('/pipeline', ['GET', 'k'])).status).toBe(400)
    expect((await post('/pipeline', [])).status).toBe(400)
  })
})

describe('POST /multi-exec', () => {
  it('runs the commands in one transaction, errors while executing stay per command', async () => {
    const key = `${prefix}multi`
    const reply = await post('/multi-exec', [
      ['SET', key, 'a'],
      ['INCR', key],
      ['APPEND', key, 'b'],
      ['GET', key],
    ])
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 2 },
      { result: 'ab' },
    ])
  })

  it('discards the whole transaction with 400 when a command cannot be queued', async () => {
    const key = `${prefix}discarded`
    const reply = await post('/multi-exec', [
      ['SET', key, 'written?'],
      ['NOPE', key],
    ])
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({ error: expect.stringMatching(/^ERR unknown command 'NOPE'/) })
    expect((await post('/', ['EXISTS', key])).json).toEqual({ result: 0 })
    expect((await post('/multi-exec', [['EXEC']])).status).toBe(400)
  })

  it('is atomic: nothing interleaves with a transaction under concurrent traffic', async () => {
    const key = `${prefix}atomic`
    const transactions = Array.from({ length: 40 }, () =>
      post('/multi-exec', [
        ['INCR', key],
        ['INCR', key],
        ['INCR', key],
      ]),
    )
    const noise = Array.from({ length: 40 }, () => post('/pipeline', [['INCR', key]]))
    const replies = await Promise.all([...transactions, ...noise])
    for (const reply of replies.slice(0, 40)) {
      const [a, b, c] = (reply.json as { result: number }[]).map((item) => item.result)
      expect([b, c]).toEqual([(a as number) + 1, (a as number) + 2])
    }
    expect((await post('/', ['GET', key])).json).toEqual({ result: String(40 * 3 + 40) })
  })
})

describe('Upstash-Encoding: base64', () => {
  it('encodes every string, through nested arrays, but leaves a whole "OK" alone', async () => {
    const key = `${prefix}base64`
    expect((await post('/', ['SET', key, 'héllo'], { base64: true })).json).toEqual({ result: 'OK' })
    expect((await post('/', ['GET', key], { base64: true })).json).toEqual({ result: b64('héllo') })
    expect((await post('/', ['PING'], { base64: true })).json).toEqual({ result: b64('PONG') })
    expect((await post('/', ['INCR', `${prefix}counter64`], { base64: true })).json).toEqual({ result: 1 })
    expect((await post('/', ['GET', `${prefix}missing`], { base64: true })).text).toBe('{"result":null}')
    const nested = await post(
      '/',
      ['EVAL', "return {'OK', redis.status_reply('OK'), 7, {'x', {'OK', 'y'}}}", 0],
      { base64: true },
    )
    expect(nested.json).toEqual({ result: [b64('OK'), b64('OK'), 7, [b64('x'), [b64('OK'), b64('y')]]] })
    const pipeline = await post('/pipeline', [['SET', key, 'v'], ['GET', key], ['NOPE']], { base64: true })
    expect(pipeline.json).toEqual([
      { result: 'OK' },
      { result: b64('v') },
      { error: expect.stringMatching(/^ERR unknown command/) },
    ])
  })

  it('keeps bytes that are not UTF-8 exact (without the header they become U+FFFD)', async () => {
    const key = `${prefix}binary`
    await post('/', ['EVAL', "redis.call('set', KEYS[1], string.char(255, 0, 104)) return 1", 1, key])
    expect((await post('/', ['GET', key], { base64: true })).json).toEqual({
      result: Buffer.from([255, 0, 104]).toString('base64'),
    })
    expect((await post('/', ['GET', key])).json).toEqual({ result: '\ufffd\u0000h' })
  })
})

describe('scripts flagged allow-key-locking (Upstash-only, rejected by Redis 7.0)', () => {
  const body = `return redis.call('incr', KEYS[1]) -- ${randomUUID()}`
  const script = `#!lua flags=allow-key-locking\n${body}`

  it('runs them with the flag dropped, and EVALSHA with the SHA1 of the original text', async () => {
    const key = `${prefix}flagged`
    const url = new URL(inject('redisUrl'))
    await expect(
      redisCommand({ host: url.hostname, port: Number(url.port) }, ['EVAL', script, '1', key]),
    ).rejects.toThrow('Unexpected flag in script shebang') // what Redis itself says
    expect((await post('/', ['EVALSHA', sha1(script), 1, key])).json).toEqual({
      error: 'NOSCRIPT No matching script. Please use EVAL.',
    })
    expect((await post('/', ['EVAL', script, 1, key])).json).toEqual({ result: 1 })
    expect((await post('/', ['EVALSHA', sha1(script), 1, key])).json).toEqual({ result: 2 })
    expect((await post('/', ['EVALSHA', sha1(script).toUpperCase(), 1, key])).json).toEqual({ result: 3 })
    expect((await post('/', ['SCRIPT', 'EXISTS', sha1(script), sha1('nope')])).json).toEqual({
      result: [1, 0],
    })
  })

  it('SCRIPT LOAD answers the SHA1 of the text it was given, which EVALSHA then runs', async () => {
    const loaded = `#!lua flags=allow-key-locking\nreturn 'loaded ${randomUUID()}'`
    const reply = await post('/', ['SCRIPT', 'LOAD', loaded])
    expect(reply.json).toEqual({ result: sha1(loaded) })
    expect((await post('/', ['EVALSHA', sha1(loaded), 0])).json).toEqual({
      result: expect.stringMatching(/^loaded /),
    })
  })

  it('maps EVAL_RO / EVALSHA_RO too (a script needs no-writes for those, as on Redis)', async () => {
    const readOnly = `#!lua flags=no-writes,allow-key-locking\nreturn 'read ${randomUUID()}'`
    expect((await post('/', ['EVAL_RO', readOnly, 0])).json).toEqual({
      result: expect.stringMatching(/^read /),
    })
    expect((await post('/', ['EVALSHA_RO', sha1(readOnly), 0])).json).toEqual({
      result: expect.stringMatching(/^read /),
    })
  })

  it('keeps every other flag', async () => {
    const readOnly = `#!lua flags=allow-key-locking,no-writes\nreturn redis.call('set', KEYS[1], 'x')`
    const reply = await post('/', ['EVAL', readOnly, 1, `${prefix}ro`])
    expect(reply.status).toBe(400)
    expect(reply.json).toEqual({ error: expect.stringContaining('Write commands are not allowed') })
    const other = await post('/', ['EVAL', '#!lua flags=bogus\nreturn 1', 0])
    expect(other.json).toEqual({ error: expect.stringContaining('Unexpected flag in script shebang') })
  })

  it('answers Redis own NOSCRIPT error for an unknown SHA', async () => {
    const reply = await post('/pipeline', [['EVALSHA', sha1(randomUUID()), 0]])
    expect(reply.json).toEqual([{ error: 'NOSCRIPT No matching script. Please use EVAL.' }])
  })
})

describe('the shared server from globalSetup', () => {
  it("is provided as inject('upstash') and serves requests", async () => {
    const { url, token } = inject('upstash')
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '["ECHO","shared"]',
    })
    expect(await res.json()).toEqual({ result: 'shared' })
  })
})
