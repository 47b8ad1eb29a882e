/**
 * The hello-world apps of `http-throughput`: per framework (Express, Koa, Hono on
 * @hono/node-server, Fastify) a bare app, one with sluice's middleware and one with the peer its users
 * would otherwise pick, each answering `GET /` with "hello".
 *
 * This module is also the entry of the child process that serves one app: `startApp` forks it,
 * the child builds its app (loading only its own framework and limiter, as a real application
 * would), listens on 127.0.0.1, port 0, and sends its port to the parent over IPC. It exits when
 * the parent disconnects (the parent stopped it, ended or died), so no server outlives a run.
 */
import { type ChildProcess, fork } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export const FRAMEWORKS = ['express', 'koa', 'hono', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** The three apps of a framework, in the order the rounds start with. */
export const APP_KINDS = ['bare', 'sluice', 'peer'] as const
export type AppKind = (typeof APP_KINDS)[number]

/** The rate limiter each framework's peer app uses. */
export const PEERS: Readonly<Record<Framework, string>> = {
  express: 'express-rate-limit',
  koa: 'koa-ratelimit',
  hono: 'hono-rate-limiter',
  fastify: '@fastify/rate-limit',
}

/** So high that every request of a run is admitted: the benchmark times the admitting path. */
export const LIMIT = 1_000_000_000
export const WINDOW_MS = 3_600_000

const BODY = 'hello'

/** Builds the app and listens on 127.0.0.1:0; resolves to the port. */
type Listen = () => Promise<number>

const APPS: Readonly<Record<Framework, Readonly<Record<AppKind, Listen>>>> = {
  express: {
    bare: () => listenExpress(async () => []),
    sluice: () =>
      listenExpress(async () => {
        const { rateLimit } = await import('@sluice/express')
        return [rateLimit({ limiter: await sluiceLimiter() })]
      }),
    peer: () =>
      listenExpress(async () => {
        // Its default MemoryStore and default headers.
        const { rateLimit } = await import('express-rate-limit')
        return [rateLimit({ windowMs: WINDOW_MS, limit: LIMIT })]
      }),
  },
  koa: {
    bare: () => listenKoa(async () => []),
    sluice: () =>
      listenKoa(async () => {
        const { rateLimit } = await import('@sluice/koa')
        return [rateLimit({ limiter: await sluiceLimiter() })]
      }),
    peer: () =>
      listenKoa(async () => {
        const { default: ratelimit } = await import('koa-ratelimit')
        return [ratelimit({ driver: 'memory', db: new Map(), duration: WINDOW_MS, max: LIMIT })]
      }),
  },
  hono: {
    bare: () => listenHono(async () => []),
    sluice: () =>
      listenHono(async () => {
        // The default key on @hono/node-server: the socket address.
        const { rateLimit } = await import('@sluice/hono')
        return [rateLimit({ limiter: await sluiceLimiter() })]
      }),
    peer: () =>
      listenHono(async () => {
        // hono-rate-limiter has no default key: the same socket address sluice uses.
        const { rateLimiter } = await import('hono-rate-limiter')
        return [
          rateLimiter<NodeEnv>({
            windowMs: WINDOW_MS,
            limit: LIMIT,
            keyGenerator: (c) => c.env.incoming.socket.remoteAddress ?? '',
          }),
        ]
      }),
  },
  fastify: {
    bare: () => listenFastify(async () => undefined),
    sluice: () =>
      listenFastify(async () => {
        const { rateLimit } = await import('@sluice/fastify')
        const limiter = await sluiceLimiter()
        return (app) => app.register(rateLimit, { limiter })
      }),
    peer: () =>
      listenFastify(async () => {
        // Its default in-memory store (an LRU of 5,000 keys), key (request.ip) and headers.
        const { default: fastifyRateLimit } = await import('@fastify/rate-limit')
        return (app) => app.register(fastifyRateLimit, { max: LIMIT, timeWindow: WINDOW_MS })
      }),
  },
}

/** sluice as its READMEs set it up: memory store, fixedWindow, default options and headers. */
async function sluiceLimiter() {
  const { createRateLimiter, fixedWindow } = await import('@sluice/core')
  const { memoryStore } = await import('@sluice/memory')
  return createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit: LIMIT, window: WINDOW_MS }),
  })
}

type ExpressMiddleware = import('express').RequestHandler
type KoaMiddleware = import('koa').Middleware
type NodeEnv = { Bindings: import('@hono/node-server').HttpBindings }
type HonoMiddleware = import('hono').MiddlewareHandler<NodeEnv>

async function listenExpress(middleware: () => Promise<ExpressMiddleware[]>): Promise<number> {
  const { default: express } = await import('express')
  const app = express()
  for (const m of await middleware()) app.use(m)
  app.get('/', (_req, res) => {
    res.send(BODY)
  })
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) reject(error)
      else resolve((server.address() as AddressInfo).port)
    })
  })
}

async function listenKoa(middleware: () => Promise<KoaMiddleware[]>): Promise<number> {
  const { default: Koa } = await import('koa')
  const app = new Koa()
  for (const m of await middleware()) app.use(m)
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/') ctx.body = BODY
  })
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
    server.on('error', reject)
  })
}

async function listenHono(middleware: () => Promise<HonoMiddleware[]>): Promise<number> {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono<NodeEnv>()
  for (const m of await middleware()) app.use(m)
  app.get('/', (c) => c.text(BODY))
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
    server.on('error', reject)
  })
}

type FastifyApp = import('fastify').FastifyInstance

/** `register` is awaited before the route is declared: both plugins add their hook in onRoute. */
async function listenFastify(
  plugin: () => Promise<((app: FastifyApp) => PromiseLike<unknown>) | undefined>,
): Promise<number> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  const register = await plugin()
  if (register !== undefined) await register(app)
  app.get('/', async () => BODY)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

/** A running app in a child process of its own. */
export interface RunningApp {
  readonly url: string
  readonly pid: number
  stop(): Promise<void>
}

type ChildMessage = { port: number } | { error: string }

/** The argument that tells this module it is a child's entry, followed by framework and kind. */
const CHILD_FLAG = '--sluice-http-app'

/**
 * Forks a child that serves `framework`'s `kind` app. The child inherits node's flags (tsx,
 * --conditions=@sluice/source), so it loads sluice from the same sources as the parent.
 */
export function startApp(framework: Framework, kind: AppKind): Promise<RunningApp> {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, framework, kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null): void =>
      reject(new Error(`${framework} ${kind} app exited (${signal ?? code}) before listening`))
    child.once('exit', onExit)
    child.once('error', reject)
    child.once('message', (message: ChildMessage) => {
      child.off('exit', onExit)
      if ('error' in message) {
        stopChild(child)
        reject(new Error(`${framework} ${kind} app: ${message.error}`))
        return
      }
      resolve({
        url: `http://127.0.0.1:${message.port}/`,
        pid: child.pid as number,
        stop: () => stopChild(child),
      })
    })
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function serveChild(framework: Framework, kind: AppKind): Promise<void> {
  // The parent gone (stopped, ended, killed by Ctrl-C), this server goes too.
  process.on('disconnect', () => process.exit(0))
  try {
    const port = await APPS[framework][kind]()
    process.send?.({ port } satisfies ChildMessage)
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.send?.({ error: text } satisfies ChildMessage, () => process.exit(1))
  }
}

const flag = process.argv.indexOf(CHILD_FLAG)
if (flag !== -1 && process.send !== undefined) {
  void serveChild(process.argv[flag + 1] as Framework, process.argv[flag + 2] as AppKind)
}
