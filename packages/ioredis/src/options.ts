import { ConfigError, type Duration } from '@sluice/core'
import { optionsObject, storeTimeoutMs } from '@sluice/core/store'
import { storePrefixProblem } from '@sluice/redis-scripts'
import type { Cluster, Redis } from 'ioredis'

export interface IoredisStoreOptions {
  /** Your ioredis client: a `Redis` or a `Cluster`, without `keyPrefix`. The store never closes it. */
  readonly client: Redis | Cluster
  /**
   * Put before every Redis key this store writes, as given (add your own separator: `'app1:'`).
   * Must not contain `{` or `}`. Default `''`: the limiter's `prefix` already namespaces every key
   * (`{sluice:user:42}:<limit id>`).
   */
  readonly prefix?: string
  /**
   * Whose clock decides when the limiter passes none: `'server'` (default) reads Redis `TIME` in
   * the script, so app servers with skewed clocks agree; `'client'` sends this process's `Date.now()`.
   */
  readonly clock?: 'server' | 'client'
  /**
   * Deadline of every call: milliseconds, or a duration such as `'500ms'`; past it the call fails
   * with `StoreTimeoutError`. Default 1000.
   */
  readonly timeoutMs?: Duration
  /**
   * Decisions issued in one event-loop turn go to each Redis node in one script call, decided in
   * order, each atomic and all-or-nothing on its own (default `true`). No timer: a lone decision
   * is sent at once. `false` sends every decision in its own call.
   */
  readonly batch?: boolean
}

export interface ResolvedOptions {
  readonly client: Redis | Cluster
  readonly prefix: string
  readonly clock: 'server' | 'client'
  readonly timeoutMs: number
  readonly batch: boolean
}

const EXAMPLE = 'ioredisStore({ client: new Redis(process.env.REDIS_URL) })'
const KNOWN = ['client', 'prefix', 'clock', 'timeoutMs', 'batch']
// Names other Redis rate limiters and clients use for these options.
const FOREIGN: Readonly<Record<string, string>> = {
  timeout: "use timeoutMs (milliseconds, or a duration such as '500ms')",
  keyPrefix: 'use prefix',
  redis: `pass your ioredis client as client: ${EXAMPLE}`,
  storeClient: `pass your ioredis client as client: ${EXAMPLE}`,
  url: `pass a client: ${EXAMPLE}`,
}

export function resolveOptions(options: IoredisStoreOptions): ResolvedOptions {
  if (typeof (options as ClientLike | undefined)?.defineCommand === 'function') {
    // ioredisStore(new Redis()): the client where the options belong.
    throw new ConfigError(
      `ioredisStore takes an options object with your client in it, not the client itself: ioredisStore({ client }), e.g. ${EXAMPLE}`,
    )
  }
  optionsObject(options, 'ioredisStore', KNOWN, FOREIGN)
  const client = checkClient(options.client)
  const prefix = options.prefix ?? ''
  const prefixProblem = storePrefixProblem(prefix)
  if (prefixProblem !== undefined) throw new ConfigError(`ioredisStore: ${prefixProblem}`)
  const clock = options.clock ?? 'server'
  if (clock !== 'server' && clock !== 'client') {
    // A function is the limiter's clock option: createRateLimiter({ clock }).
    const shown =
      typeof clock === 'function' ? 'a function (pass that to createRateLimiter)' : JSON.stringify(clock)
    throw new ConfigError(`ioredisStore: clock must be 'server' or 'client', got ${shown}`)
  }
  // The one duration rule ('500ms' or 500), at most a timer's longest wait; default 1000.
  const timeoutMs = storeTimeoutMs(options.timeoutMs, 'ioredisStore')
  const batch = options.batch ?? true
  if (typeof batch !== 'boolean') {
    throw new ConfigError(`ioredisStore: batch must be true or false, got ${JSON.stringify(batch)}`)
  }
  return { client, prefix, clock, timeoutMs, batch }
}

interface ClientLike {
  defineCommand?: unknown
  options?: { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } }
}

function checkClient(client: unknown): Redis | Cluster {
  if (client === undefined || client === null) {
    throw new ConfigError(`ioredisStore: client is missing; pass your ioredis client: ${EXAMPLE}`)
  }
  const c = client as ClientLike
  if (typeof c.defineCommand !== 'function' || typeof c.options !== 'object' || c.options === null) {
    throw new ConfigError(
      `ioredisStore: client must be an ioredis Redis or Cluster instance (${EXAMPLE}), got ${Object.prototype.toString.call(client)}`,
    )
  }
  const keyPrefix = c.options.keyPrefix || c.options.redisOptions?.keyPrefix
  if (keyPrefix) {
    throw new ConfigError(
      `ioredisStore: the client has keyPrefix ${JSON.stringify(String(keyPrefix))} set, which ioredis prepends to every key and so would move the store's keys out of the layout its scripts expect; pass a client without keyPrefix and give the prefix to the store instead: ioredisStore({ client, prefix: ${JSON.stringify(String(keyPrefix))} })`,
    )
  }
  return client as Redis | Cluster
}
