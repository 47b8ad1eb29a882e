import { ConfigError, type Duration } from '@sluice/core'
import { optionsObject, storeTimeoutMs } from '@sluice/core/store'
import { storePrefixProblem } from '@sluice/redis-scripts'
import type { Redis } from '@upstash/redis'

export interface UpstashStoreOptions {
  /**
   * Your `@upstash/redis` client: `new Redis({ url, token })` or `Redis.fromEnv()` (from
   * `@upstash/redis`, `/cloudflare` or `/fastly`). Its defaults (auto-pipelining, base64
   * responses) are fine. The store never closes it.
   */
  readonly client: Redis
  /**
   * Put before every Redis key this store writes, as given (add your own separator: `'app1:'`).
   * Must not contain `{` or `}`. Default `''`: the limiter's `prefix` already namespaces every key
   * (`{sluice:user:42}:<limit id>`).
   */
  readonly prefix?: string
  /**
   * Whose clock decides when the limiter passes none: `'client'` (default) sends this process's
   * `Date.now()`, as @upstash/ratelimit does and as Upstash's scripting docs advise (no clock reads
   * in scripts); `'server'` reads the database's clock (`TIME`) in the script, so app servers with
   * skewed clocks agree (Upstash advises against clock reads in scripts, it does not forbid them:
   * try it on your database with `pnpm test:upstash-live`). Either way a
   * key's time never moves backwards: a request is judged at the later of its time and the time
   * the key's state holds. The limiter's own `clock` option overrides both.
   */
  readonly clock?: 'client' | 'server'
  /**
   * Deadline of every call: milliseconds, or a duration such as `'500ms'`; past it the call fails
   * with `StoreTimeoutError`. Default 1000.
   */
  readonly timeoutMs?: Duration
  /**
   * Decisions issued in one event-loop turn go in one script call, decided in order, each atomic
   * and all-or-nothing on its own (default `true`). No timer: a lone decision is sent at once.
   * `false` sends every decision in its own call.
   */
  readonly batch?: boolean
}

export interface ResolvedOptions {
  readonly client: Redis
  readonly prefix: string
  readonly clock: 'client' | 'server'
  readonly timeoutMs: number
  readonly batch: boolean
}

const EXAMPLE = "upstashStore({ client: Redis.fromEnv() }) with Redis from '@upstash/redis'"
const KNOWN = ['client', 'prefix', 'clock', 'timeoutMs', 'batch']
// Names @upstash/ratelimit and other rate limiters use for these options.
const FOREIGN: Readonly<Record<string, string>> = {
  timeout: "use timeoutMs (milliseconds, or a duration such as '500ms')",
  keyPrefix: 'use prefix',
  redis: `pass your @upstash/redis client as client: ${EXAMPLE}`,
  url: `pass a client made with the url and token: ${EXAMPLE}`,
  token: `pass a client made with the url and token: ${EXAMPLE}`,
}

export function resolveOptions(options: UpstashStoreOptions): ResolvedOptions {
  if (typeof (options as { createScript?: unknown } | undefined)?.createScript === 'function') {
    // upstashStore(Redis.fromEnv()): the client where the options belong.
    throw new ConfigError(
      `upstashStore takes an options object with your client in it, not the client itself: upstashStore({ client }), e.g. ${EXAMPLE}`,
    )
  }
  optionsObject(options, 'upstashStore', KNOWN, FOREIGN)
  const client = checkClient(options.client)
  const prefix = options.prefix ?? ''
  const prefixProblem = storePrefixProblem(prefix)
  if (prefixProblem !== undefined) throw new ConfigError(`upstashStore: ${prefixProblem}`)
  // The one duration rule ('500ms' or 500), at most a timer's longest wait; default 1000.
  const timeoutMs = storeTimeoutMs(options.timeoutMs, 'upstashStore')
  const clock = options.clock ?? 'client'
  if (clock !== 'client' && clock !== 'server') {
    // A function is the limiter's clock option: createRateLimiter({ clock }).
    const shown =
      typeof clock === 'function' ? 'a function (pass that to createRateLimiter)' : JSON.stringify(clock)
    throw new ConfigError(`upstashStore: clock must be 'client' or 'server', got ${shown}`)
  }
  const batch = options.batch ?? true
  if (typeof batch !== 'boolean') {
    throw new ConfigError(`upstashStore: batch must be true or false, got ${JSON.stringify(batch)}`)
  }
  return { client, prefix, clock, timeoutMs, batch }
}

/** The methods of an `@upstash/redis` client the store calls. */
const CLIENT_METHODS = ['createScript', 'evalsha', 'eval', 'scriptLoad', 'del'] as const

function checkClient(client: unknown): Redis {
  if (client === undefined || client === null) {
    throw new ConfigError(`upstashStore: client is missing; pass your @upstash/redis client: ${EXAMPLE}`)
  }
  const c = client as Record<string, unknown>
  const missing = CLIENT_METHODS.filter((name) => typeof c[name] !== 'function')
  if (missing.length > 0) {
    // An ioredis or node-redis client has eval/evalsha/del but no createScript.
    throw new ConfigError(
      `upstashStore: client must be an @upstash/redis Redis instance (${EXAMPLE}); got ${Object.prototype.toString.call(client)} without ${missing.join(', ')}. For ioredis use @sluice/ioredis`,
    )
  }
  return client as Redis
}
