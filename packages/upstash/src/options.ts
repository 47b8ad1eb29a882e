import { ConfigError, storeTimeoutMs } from '@sluice/core'
import { storePrefixProblem } from '@sluice/redis-scripts'
import type { Redis } from '@upstash/redis'

export interface UpstashStoreOptions {
  /**
   * Your `@upstash/redis` client: `new Redis({ url, token })` or `Redis.fromEnv()` (from
   * `@upstash/redis`, `/cloudflare` or `/fastly`). Its defaults (auto-pipelining, base64
   * responses) are fine. The store never closes it.
   */
  readonly client: Redis
  /** Starts every key this store writes. Must not contain `{` or `}`. Default `'sluice:'`. */
  readonly prefix?: string
  /** Deadline of every call in ms; past it the call fails with `StoreTimeoutError`. Default 1000. */
  readonly timeoutMs?: number
}

export interface ResolvedOptions {
  readonly client: Redis
  readonly prefix: string
  readonly timeoutMs: number
}

const EXAMPLE = "upstashStore({ client: Redis.fromEnv() }) with Redis from '@upstash/redis'"

export function resolveOptions(options: UpstashStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`upstashStore() takes an options object such as ${EXAMPLE}, got ${String(options)}`)
  }
  const client = checkClient(options.client)
  const prefix = options.prefix ?? 'sluice:'
  const prefixProblem = storePrefixProblem(prefix)
  if (prefixProblem !== undefined) throw new ConfigError(`upstashStore: ${prefixProblem}`)
  const timeoutMs = storeTimeoutMs(options.timeoutMs, 'upstashStore')
  return { client, prefix, timeoutMs }
}

/** The methods of an `@upstash/redis` client the store calls. */
const CLIENT_METHODS = ['createScript', 'evalsha', 'eval', 'del'] as const

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
