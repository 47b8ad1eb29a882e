import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Redis } from 'ioredis'
import { BadRequest, parseCommand, parseCommands } from './commands.ts'
import { Executor, type Outcome } from './execute.ts'
import { ScriptShas } from './scripts.ts'

export interface StartUpstashOptions {
  /** The Redis the server runs commands on, e.g. `redis://127.0.0.1:6380`. */
  redisUrl: string
  /** The bearer token clients must send. Default: 32 random hex characters. */
  token?: string
  /** Fixed port on 127.0.0.1. Default: a free one. */
  port?: number
  /**
   * The largest request body, in bytes, answered 400 "ERR max request size exceeded" above it.
   * Default MAX_REQUEST_BYTES, Upstash's limit on the Free and Pay-as-you-go plans.
   */
  maxRequestBytes?: number
}

/** What the server does with requests: serve them, or fail in one of three ways (chaos tests). */
export type UpstashFault = 'none' | '5xx' | 'hang' | 'close'

export interface UpstashServer {
  /** `http://127.0.0.1:<port>`, the `url` of `new Redis({ url, token })` from @upstash/redis. */
  readonly url: string
  readonly token: string
  /**
   * Fault injection for chaos tests: 'none' (default) serves requests; '5xx' answers 503
   * `{"error":"…"}`; 'hang' accepts requests and never answers; 'close' destroys each connection
   * without answering. Applies to requests that arrive after the call.
   */
  setFault(fault: UpstashFault): void
  /** Closes the listener, destroys open sockets (hanging requests too) and the Redis connection. Idempotent. */
  stop(): Promise<void>
}

const FAULTS: readonly UpstashFault[] = ['none', '5xx', 'hang', 'close']
/**
 * Upstash's request size limit: "10MB for Free and Pay as you go databases", more on higher plans
 * (docs/redis/troubleshooting/max_request_size_exceeded). 10,000,000 bytes: the strict reading.
 */
export const MAX_REQUEST_BYTES = 10_000_000
/** Upstash's error text for a request over the limit. */
const REQUEST_TOO_LARGE = 'ERR max request size exceeded'

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      // Keep reading (and dropping) the rest, so the 413 reaches the client.
      if (size > maxBytes) reject(new PayloadTooLarge(REQUEST_TOO_LARGE))
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Constant-time token check; accepts `Authorization: Bearer <token>` or `?_token=`, as Upstash does. */
function authorized(req: IncomingMessage, url: URL, token: Buffer): boolean {
  const header = req.headers.authorization
  // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are `Bearer`.
  const bearer = header === undefined ? null : /^bearer[ \t]+(.*)$/is.exec(header)
  const given = bearer !== null ? (bearer[1] as string).trim() : url.searchParams.get('_token')
  if (!given) return false
  const bytes = Buffer.from(given)
  return bytes.length === token.length && timingSafeEqual(bytes, token)
}

function withoutPassword(redisUrl: string): string {
  const url = new URL(redisUrl)
  if (url.password) url.password = '***'
  return url.href
}

function validate(options: StartUpstashOptions): void {
  if (typeof options?.redisUrl !== 'string' || !/^rediss?:\/\//.test(options.redisUrl))
    throw new TypeError(`redisUrl must be a redis:// URL, got ${JSON.stringify(options?.redisUrl)}`)
  if (options.token !== undefined && (typeof options.token !== 'string' || !/^\S+$/.test(options.token)))
    throw new TypeError('token must be a non-empty string without whitespace')
  const { port } = options
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`)
  const max = options.maxRequestBytes
  if (max !== undefined && !(Number.isSafeInteger(max) && max > 0))
    throw new RangeError(`maxRequestBytes must be a positive integer, got ${max}`)
}

/**
 * Starts a local server that speaks the Upstash Redis REST API over a real Redis, on 127.0.0.1:
 * `POST /` with one command as a JSON array, `POST /pipeline` and `POST /multi-exec` with arrays
 * of commands, bearer-token auth, `{"result"}`/`{"error"}` replies, `Upstash-Encoding: base64`.
 * Upstash's limits, with its error texts: request bodies up to 10 MB, keys up to 32 kB, `WRONGPASS`
 * for a missing or wrong token. Scripts flagged `allow-key-locking` (Upstash-only) run on Redis 7.0
 * with the flag dropped and its rules enforced (only keys declared in KEYS, no database-wide
 * commands).
 *
 * @example
 * const upstash = await startUpstashServer({ redisUrl: 'redis://127.0.0.1:6380' })
 * const redis = new Redis({ url: upstash.url, token: upstash.token }) // from @upstash/redis
 * await upstash.stop()
 */
export async function startUpstashServer(options: StartUpstashOptions): Promise<UpstashServer> {
  validate(options)
  const token = options.token ?? randomBytes(16).toString('hex')
  const tokenBytes = Buffer.from(token)
  const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES
  const redis = new Redis(options.redisUrl, {
    // Upstash answers in RESP2 shapes (flat arrays for maps, doubles as strings).
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  })
  // Connection trouble surfaces on the requests (500); without a listener ioredis logs each one.
  redis.on('error', () => {})
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect() // or ioredis keeps reconnecting in the background
    const message = `the local Upstash server cannot reach Redis at ${withoutPassword(options.redisUrl)}`
    throw new Error(`${message}: ${(error as Error).message}`, { cause: error })
  }
  const executor = new Executor(redis, new ScriptShas())
  let fault: UpstashFault = 'none'

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (fault === 'hang') return // the socket is destroyed by stop() or by the client
    if (fault === 'close') {
      req.socket.destroy()
      return
    }
    if (fault === '5xx') {
      send(res, 503, { error: 'Service Unavailable (fault injected into the local Upstash server)' })
      return
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (!authorized(req, url, tokenBytes)) {
      // Upstash's answer to a missing or wrong token (docs/redis/troubleshooting/http_unauthorized).
      send(res, 401, { error: 'WRONGPASS invalid or missing auth token' })
      return
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: `ERR method ${req.method} is not supported; POST a JSON command` })
      return
    }
    const path = url.pathname.replace(/\/+$/, '')
    if (path !== '' && path !== '/pipeline' && path !== '/multi-exec') {
      send(res, 404, { error: `ERR unknown endpoint ${url.pathname}: use POST /, /pipeline or /multi-exec` })
      return
    }
    const base64 = req.headers['upstash-encoding']?.toString().toLowerCase() === 'base64'
    try {
      let body: unknown
      try {
        body = JSON.parse(await readBody(req, maxRequestBytes))
      } catch (error) {
        if (error instanceof PayloadTooLarge) throw error
        throw new BadRequest(`ERR the request body is not valid JSON: ${(error as Error).message}`)
      }
      if (path === '') {
        const result: Outcome = await executor.single(parseCommand(body), base64)
        send(res, 'error' in result ? 400 : 200, result)
      } else if (path === '/pipeline') send(res, 200, await executor.pipeline(parseCommands(body), base64))
      else send(res, 200, await executor.multiExec(parseCommands(body), base64))
    } catch (error) {
      if (res.headersSent || res.destroyed) return
      if (error instanceof BadRequest) send(res, 400, { error: error.message })
      else if (error instanceof PayloadTooLarge) send(res, 400, { error: error.message })
      else send(res, 500, { error: `ERR the local Upstash server failed: ${(error as Error).message}` })
    }
  }

  const sockets = new Set<Socket>()
  const server = createServer({ noDelay: true }, (req, res) => void handle(req, res))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    redis.disconnect()
    throw error
  }
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  let stopping: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    setFault(next) {
      if (!FAULTS.includes(next))
        throw new RangeError(`fault must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(next)}`)
      fault = next
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
        redis.disconnect()
      })
      return stopping
    },
  }
}
