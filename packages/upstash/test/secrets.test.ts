// No token and no URL credential in any error the store gives: message, stack, cause chain, properties.
import { createServer, type Server } from 'node:http'
import { inspect } from 'node:util'
import { createRateLimiter, fixedWindow, StoreError, StoreTimeoutError } from '@sluice/core'
import { Redis, type RedisConfigNodejs } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upstashStore } from '../src/index.ts'

const TOKEN = 'tok-3f9a1c77e2b54d0e8a6b'
const PASSWORD = 's3cret-p4ss'

/** Every string an error carries: own properties of any kind, at any depth, cause chain included. */
function strings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value !== 'object' || value === null || seen.has(value)) return []
  seen.add(value)
  const out: string[] = []
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor
    const v = 'value' in descriptor ? descriptor.value : (value as Record<PropertyKey, unknown>)[key]
    for (const s of strings(v, seen)) out.push(s)
  }
  return out
}

/** The error as a log could ever show it: inspected in full, as JSON, and every cause's message and stack. */
function serialised(error: unknown): string {
  const parts = [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })]
  parts.push(JSON.stringify(error, Object.getOwnPropertyNames(error)))
  for (const s of strings(error)) parts.push(s)
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(String(e.message), String(e.stack))
  return parts.join('\n')
}

const failure = async (client: Redis): Promise<StoreError> => {
  const store = upstashStore({ client, prefix: 'secrets:', timeoutMs: 5000 })
  const request = {
    key: 'k',
    limits: [fixedWindow({ limit: 1, window: 1000 })],
    cost: 1,
    consume: true,
    now: 0,
  }
  const error = await store.apply(request).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StoreError)
  expect(error).not.toBeInstanceOf(StoreTimeoutError)
  return error as StoreError
}

describe('secrets never reach an error', () => {
  // A server or proxy that echoes what it was sent: the bearer token, and a URL with credentials.
  let server: Server
  let port = 0
  let reply: (authorization: string) => { status: number; body: string }
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const { status, body } = reply(req.headers.authorization ?? '')
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(body)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const client = (config: Partial<RedisConfigNodejs> = {}) =>
    new Redis({ url: `http://127.0.0.1:${port}`, token: TOKEN, retry: false, ...config })

  it.each([
    ['auto-pipelined', {}],
    ['one request per command', { enableAutoPipelining: false }],
  ] as [string, Partial<RedisConfigNodejs>][])(
    'a 401 whose JSON error echoes the token: scrubbed from the cause too, the reason kept (%s)',
    async (_, config) => {
      reply = (authorization) => ({
        status: 401,
        body: JSON.stringify({ error: `Unauthorized: ${authorization} is not a valid token` }),
      })
      const error = await failure(client(config))
      const text = serialised(error)
      expect(text).not.toContain(TOKEN)
      expect(error.message).toMatch(/HTTP 401 Unauthorized: the server refused the token/)
      // The client's own error is still the cause, of its class, saying what happened.
      expect((error.cause as Error).name).toBe('UpstashError')
      expect((error.cause as Error).message).toMatch(/Unauthorized: Bearer \[redacted\] is not a valid token/)
    },
  )

  it('a reply that is no JSON and echoes the token, down to the parser error in the cause chain', async () => {
    reply = (authorization) => ({ status: 502, body: `${authorization}<html>bad gateway</html>` })
    const error = await failure(client({ enableAutoPipelining: false }))
    expect(serialised(error)).not.toContain(TOKEN)
    expect(error.message).toMatch(/the server's reply is not JSON/)
    const cause = error.cause as Error
    expect(cause.name).toBe('UpstashJSONParseError')
    // The JSON parser's own error (the cause's cause) is kept: it is the reason.
    expect((cause.cause as Error).name).toBe('SyntaxError')
  })

  it('a token cut off in an echo (the client keeps 200 characters of a reply that is no JSON): no piece of it either', async () => {
    reply = (authorization) => ({ status: 502, body: `${'x'.repeat(180)} ${authorization} <html>` })
    const error = await failure(client({ enableAutoPipelining: false }))
    // 180 + 1 + 'Bearer ' leaves 12 characters for the token before the cut.
    expect((error.cause as Error).message).toMatch(/x Bearer \[redacted\]\.\.\.$/)
    const text = serialised(error)
    expect(text).not.toContain(TOKEN.slice(0, 8))
  })

  it('a URL with credentials, which fetch refuses naming the URL: scrubbed, and said plainly', async () => {
    const withCredentials = new Redis({
      url: `http://admin:${PASSWORD}@127.0.0.1:${port}`,
      token: TOKEN,
      retry: false,
    })
    const error = await failure(withCredentials)
    const text = serialised(error)
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(TOKEN)
    expect(error.message).toMatch(/fetch refuses the client's URL because it carries credentials/)
    expect((error.cause as Error).message).toMatch(/http:\/\/\[credentials\]@127\.0\.0\.1/)
  })

  it("any URL credential a server's error names is scrubbed, not only the client's", async () => {
    reply = () => ({
      status: 500,
      body: JSON.stringify({ error: 'ERR upstream https://root:hunter2hunter2@10.0.0.7:6379 refused' }),
    })
    const error = await failure(client({ enableAutoPipelining: false }))
    const text = serialised(error)
    expect(text).not.toContain('hunter2hunter2')
    expect(error.message).toMatch(/ERR upstream https:\/\/\[credentials\]@10\.0\.0\.7:6379 refused/)
  })

  it('reaches the limiter scrubbed: the error a failure policy and onError see', async () => {
    reply = (authorization) => ({ status: 401, body: JSON.stringify({ error: `bad ${authorization}` }) })
    const seen: unknown[] = []
    const limiter = createRateLimiter({
      store: upstashStore({ client: client({ enableAutoPipelining: false }), timeoutMs: 5000 }),
      algorithm: fixedWindow({ limit: 5, window: '1m' }),
      onStoreError: 'allow',
      onError: (error) => seen.push(error),
    })
    const decision = await limiter.limit('k')
    expect(decision.degraded?.reason).toBe('store-error')
    expect(seen).toHaveLength(1)
    expect(serialised(decision.degraded?.error)).not.toContain(TOKEN)
    expect(serialised(seen[0])).not.toContain(TOKEN)
  })
})
