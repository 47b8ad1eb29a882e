// One app per test on a loopback port, limiters on a still clock, and what the app's handlers saw.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  type RateLimiter,
  type RateLimiterOptions,
} from '@sluice/core'
import { onTestFinished } from 'vitest'
import type { BindingAdapter, BindingOptions, HandlerReply } from './adapter.ts'
import type { ResolvedSuiteOptions } from './options.ts'

/** A limiter clock 42 s before a minute boundary: every 1-minute window shows t=42. */
export const NOW = 1_699_999_998_000

/**
 * The header a test sets to choose the peer address the framework sees: the socket is real, the
 * address it reports is the test's, as behind a PROXY-protocol front end.
 */
export const PEER_HEADER = 'x-test-peer'

let sequence = 0
/**
 * A limiter prefix no other limiter uses, in this process or another sharing the store's server: the
 * suite never clears a store, so suites may run in parallel on one Redis.
 */
export function randomPrefix(): string {
  return `binding:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}`
}

/** How the suite's server hands a request to the app. */
export interface ServeOptions {
  /** Turn on the framework's trusted-proxy setting (adapters with `trustProxy` only). */
  readonly trustProxy?: boolean
  /** `'header'`: the peer address is the `x-test-peer` header's; `'gone'`: the socket is destroyed first. */
  readonly peer?: 'header' | 'gone'
  /** The address to listen on. Default `127.0.0.1`. */
  readonly host?: string
  /** The route handler. Default: 200 with `{ rateLimit: decision }`. */
  readonly route?: (decision: Decision | undefined) => Promise<HandlerReply>
}

/** A served app: its base URL, the errors its error handler saw, and how often its handler ran. */
interface Served {
  readonly url: string
  readonly errors: unknown[]
  handled(): number
  /** Resolves when the server next sees a response close (sent, or its client gone). */
  nextClose(): Promise<void>
}

export interface Harness<Req, M> {
  readonly adapter: BindingAdapter<Req, M>
  readonly options: ResolvedSuiteOptions
  /** The binding's middleware for these options. */
  rateLimit(options: BindingOptions<Req>): M
  /** A limiter on a fresh store whose clock stands still at `NOW`. */
  limiterOf(algorithm: Algorithm | Algorithm[], extra?: Partial<RateLimiterOptions>): RateLimiter
  /** `fixedWindow({ limit, window: '1m', name })` on a fresh store at `NOW`. */
  perMinute(limit: number, name?: string): RateLimiter
  /** Serves an app of `middlewares` in front of a handler that echoes `{ rateLimit: decision }`. */
  app(middlewares: readonly M[], serve?: ServeOptions): Promise<Served>
  /** Serves an app of one middleware with these options. */
  serve(options: BindingOptions<Req>, serve?: ServeOptions): Promise<Served>
}

/**
 * Serves `listener` on a free port of `host` (default the IPv4 loopback) until the current test
 * ends, for the tests a binding adds beside the suite. Returns the base URL.
 *
 * @example
 * const url = await listen(app.callback())
 * expect((await fetch(url)).headers.get('ratelimit')).toMatch(/^"api";r=1;/)
 */
export async function listen(listener: RequestListener, host = '127.0.0.1'): Promise<string> {
  const server = createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  onTestFinished(() => close(server))
  const { port } = server.address() as AddressInfo
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** The suite's view of one binding: limiters on a still clock, and apps served for the current test. */
export function harness<Req, M>(
  adapter: BindingAdapter<Req, M>,
  options: ResolvedSuiteOptions,
): Harness<Req, M> {
  const limiterOf = (algorithm: Algorithm | Algorithm[], extra: Partial<RateLimiterOptions> = {}) =>
    createRateLimiter({
      store: options.store(),
      algorithm,
      clock: () => NOW,
      prefix: randomPrefix(),
      ...extra,
    } as RateLimiterOptions)

  async function app(middlewares: readonly M[], serve: ServeOptions = {}): Promise<Served> {
    let handled = 0
    const errors: unknown[] = []
    let closing: (() => void)[] = []
    const nextClose = () => new Promise<void>((resolve) => closing.push(resolve))
    const listener = adapter.app({
      middlewares,
      trustProxy: serve.trustProxy === true,
      handle: (decision) => {
        handled++
        if (serve.route !== undefined) return serve.route(decision)
        return Promise.resolve({ status: 200, body: { rateLimit: decision ?? null } })
      },
      failed: (error) => errors.push(error),
    })
    const url = await listen((req, res) => {
      // Before the app's own listeners: a waiter runs after all of them, once the close is seen.
      res.once('close', () => {
        const waiting = closing
        closing = []
        for (const resolve of waiting) resolve()
      })
      if (serve.peer === 'gone') req.socket.destroy()
      if (serve.peer === 'header') {
        // Redefined on every request: a kept-alive socket carries several.
        const value = req.headers[PEER_HEADER]
        Object.defineProperty(req.socket, 'remoteAddress', { value, configurable: true })
      }
      listener(req, res)
    }, serve.host)
    return { url, errors, handled: () => handled, nextClose }
  }

  return {
    adapter,
    options,
    rateLimit: adapter.rateLimit,
    limiterOf,
    perMinute: (limit, name = 'api') => limiterOf(fixedWindow({ limit, window: '1m', name })),
    app,
    serve: (limitOptions, serve) => app([adapter.rateLimit(limitOptions)], serve),
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
}

/** The response headers a test asserts on, by lowercase name (`null` when absent). */
export function headersOf(res: Response, ...names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n) => [n, res.headers.get(n)]))
}

/** The response's JSON body. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T
}
