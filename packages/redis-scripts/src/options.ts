// The options every Redis-protocol store built on `scriptStore` shares, checked one way: only the
// client (and how it is named in messages) differs from one store to the next.
import { ConfigError, type Duration } from '@sluice/core'
import { optionsObject, storeTimeoutMs } from '@sluice/core/store'
import { minBatchProblem } from './batch.ts'
import { storePrefixProblem } from './keys.ts'

/** The options of a Redis-protocol store, around its own `client`. */
export interface RedisStoreOptions<Client> {
  /** Your Redis client. The store never closes it. */
  readonly client: Client
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
  /**
   * @internal For sluice's own tests and benchmarks; may change without notice. The fewest
   * decisions of one Redis node's turn that share one script call (a whole number ≥ 2; default 2);
   * a turn of fewer sends each decision in its own call.
   */
  readonly minBatch?: number
}

/** The options with every default filled in. */
export interface ResolvedRedisStoreOptions<Client> {
  readonly client: Client
  readonly prefix: string
  readonly clock: 'server' | 'client'
  readonly timeoutMs: number
  readonly batch: boolean
  /** Internal: `minBatch` as given (undefined: scriptStore's default). */
  readonly minBatch: number | undefined
}

/** What a store tells `resolveRedisStoreOptions` about its client. */
export interface RedisStoreClientRules<Client> {
  /** The store's factory as users call it, e.g. `'ioredisStore'`. */
  readonly factory: string
  /** A one-line call that works, shown in messages: `ioredisStore({ client: new Redis(url) })`. */
  readonly example: string
  /** The client's library as named in messages: `'ioredis'`. */
  readonly library: string
  /** Whether `value` is a client of this library (passed where the options object belongs). */
  readonly isClient: (value: unknown) => boolean
  /** The client, checked: throws a ConfigError saying what is wrong with it. */
  readonly checkClient: (client: unknown) => Client
}

const KNOWN = ['client', 'prefix', 'clock', 'timeoutMs', 'batch']

/**
 * Checks a Redis-protocol store's options and fills in the defaults; every mistake is a
 * ConfigError naming the store's factory and saying what to do instead.
 *
 * @example
 * const { client, prefix, clock, timeoutMs, batch } = resolveRedisStoreOptions(options, {
 *   factory: 'ioredisStore',
 *   example: 'ioredisStore({ client: new Redis(process.env.REDIS_URL) })',
 *   library: 'ioredis',
 *   isClient: (value) => typeof (value as { defineCommand?: unknown })?.defineCommand === 'function',
 *   checkClient: (client) => client as Redis,
 * })
 */
export function resolveRedisStoreOptions<Client>(
  options: RedisStoreOptions<Client>,
  rules: RedisStoreClientRules<Client>,
): ResolvedRedisStoreOptions<Client> {
  const { factory, example, library } = rules
  if (rules.isClient(options)) {
    // factory(client): the client where the options belong.
    throw new ConfigError(
      `${factory} takes an options object with your client in it, not the client itself: ${factory}({ client }), e.g. ${example}`,
    )
  }
  // Names other Redis rate limiters and clients use for these options. The internal minBatch is
  // accepted but never offered in a message (optionsObject skips an option set to undefined).
  const hasMinBatch = typeof options === 'object' && options !== null && Object.hasOwn(options, 'minBatch')
  const listed = hasMinBatch ? { ...options, minBatch: undefined } : options
  optionsObject(listed, factory, KNOWN, {
    timeout: "use timeoutMs (milliseconds, or a duration such as '500ms')",
    keyPrefix: 'use prefix',
    redis: `pass your ${library} client as client: ${example}`,
    storeClient: `pass your ${library} client as client: ${example}`,
    url: `pass a client: ${example}`,
  })
  if (options.client === undefined || options.client === null) {
    throw new ConfigError(`${factory}: client is missing; pass your ${library} client: ${example}`)
  }
  const client = rules.checkClient(options.client)
  const prefix = options.prefix ?? ''
  const prefixProblem = storePrefixProblem(prefix)
  if (prefixProblem !== undefined) throw new ConfigError(`${factory}: ${prefixProblem}`)
  const clock = options.clock ?? 'server'
  if (clock !== 'server' && clock !== 'client') {
    // A function is the limiter's clock option: createRateLimiter({ clock }).
    const shown =
      typeof clock === 'function' ? 'a function (pass that to createRateLimiter)' : JSON.stringify(clock)
    throw new ConfigError(`${factory}: clock must be 'server' or 'client', got ${shown}`)
  }
  // The one duration rule ('500ms' or 500), at most a timer's longest wait; default 1000.
  const timeoutMs = storeTimeoutMs(options.timeoutMs, factory)
  const batch = options.batch ?? true
  if (typeof batch !== 'boolean') {
    throw new ConfigError(`${factory}: batch must be true or false, got ${JSON.stringify(batch)}`)
  }
  const minBatch = options.minBatch
  const minBatchWrong = minBatchProblem(minBatch)
  if (minBatchWrong !== undefined) throw new ConfigError(`${factory}: ${minBatchWrong}`)
  return { client, prefix, clock, timeoutMs, batch, minBatch }
}
