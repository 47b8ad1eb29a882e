// What createRateLimiter checks once, at construction: the store and the limits.
import { ALGORITHM_KINDS, type Algorithm } from './algorithm.ts'
import { MAX_TIMER_MS } from './duration.ts'
import { ConfigError, UnsupportedAlgorithmError } from './errors.ts'
import { MAX_LIMITS_PER_REQUEST, type Store, type StoreCapabilities } from './store.ts'
import { show } from './validate.ts'

/**
 * `options.store`: every check createRateLimiter makes on a store, in one place (a store that
 * passes them is then held to the `Store` contract at each call by `checkReply`). A `ConfigError`
 * names the first that fails:
 * 1. it is not a Redis client (ioredis, node-redis, @upstash/redis) given where a store belongs;
 * 2. `apply` and `reset` are functions;
 * 3. `name` is a non-empty string;
 * 4. `capabilities.algorithms` is a list of algorithm kinds (`ALGORITHM_KINDS`), and
 *    `capabilities.composite` is `true` or `false`;
 * 5. `applySync`, `syncDecider`, `close`, `refund`, `ban`, `unban` and `charge`, when present, are functions
 *    (a limiter with `blockDuration` needs `ban` and `unban`: see `resolvePenalty`), and `syncDecider` comes
 *    with `applySync` (it answers like `applySync` for one limit);
 * 6. `timeoutMs`, when present, is a whole number of milliseconds from 1 to `MAX_TIMER_MS`.
 * Then `checkAlgorithms` checks that the store can run the limits it is given.
 */
export function checkStore(store: unknown): Store {
  const client = redisClient(store)
  if (client !== undefined) {
    throw new ConfigError(
      `createRateLimiter: store is ${client.what}, not a sluice store; wrap it: ${client.wrap}`,
    )
  }
  const s = store as Partial<Store> | undefined
  if (typeof s?.apply !== 'function' || typeof s.reset !== 'function') {
    throw new ConfigError(
      `createRateLimiter: store must be a sluice Store such as memoryStore() or ioredisStore({ client }), got ${show(store)}`,
    )
  }
  const problem = storeProblem(s)
  if (problem !== undefined) {
    const name = typeof s.name === 'string' && s.name !== '' ? `the ${s.name} store` : 'store'
    throw new ConfigError(`createRateLimiter: ${name} does not keep the Store contract: ${problem}`)
  }
  return s as Store
}

/** What is wrong with a store that has `apply` and `reset` (checks 3 to 6), or `undefined`. */
function storeProblem(s: Partial<Store>): string | undefined {
  if (typeof s.name !== 'string' || s.name === '')
    return `name must be a non-empty string, got ${show(s.name)}`
  const capabilities = s.capabilities as Partial<StoreCapabilities> | undefined
  const algorithms = capabilities?.algorithms as unknown
  if (!Array.isArray(algorithms)) {
    return `capabilities.algorithms must be a list of algorithm kinds, got ${show(algorithms)}`
  }
  const unknown = algorithms.find((k) => !(ALGORITHM_KINDS as readonly unknown[]).includes(k))
  if (unknown !== undefined) {
    return `capabilities.algorithms holds ${show(unknown)}, which is no algorithm kind (${ALGORITHM_KINDS.join(', ')})`
  }
  if (typeof capabilities?.composite !== 'boolean') {
    return `capabilities.composite must be true or false, got ${show(capabilities?.composite)}`
  }
  const penalties = capabilities.penalties
  if (penalties !== undefined && typeof penalties !== 'boolean') {
    return `capabilities.penalties must be true or false when present, got ${show(penalties)}`
  }
  for (const method of ['applySync', 'syncDecider', 'close', 'refund', 'ban', 'unban'] as const) {
    if (s[method] !== undefined && typeof s[method] !== 'function') {
      return `${method} must be a function when present, got ${show(s[method])}`
    }
  }
  if (s.charge !== undefined && typeof s.charge !== 'function') {
    return `charge must be a function when present, got ${show(s.charge)}`
  }
  if (s.syncDecider !== undefined && s.applySync === undefined) {
    return 'syncDecider answers like applySync for one limit, so it needs applySync too'
  }
  const t = s.timeoutMs
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= MAX_TIMER_MS)) {
    return `timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${show(t)}`
  }
  return undefined
}

/**
 * A Redis client given where a store belongs, told apart by what only each client has: ioredis
 * (`defineCommand`), node-redis (`sendCommand` and `isOpen`), @upstash/redis (`createScript`),
 * Valkey GLIDE (`invokeScript` and `customCommand`).
 */
function redisClient(value: unknown): { what: string; wrap: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const c = value as Record<string, unknown>
  if (typeof c.defineCommand === 'function') {
    return {
      what: 'an ioredis client',
      wrap: "ioredisStore({ client }) from '@sluice/ioredis', then createRateLimiter({ store, algorithm })",
    }
  }
  if (typeof c.createScript === 'function' && typeof c.evalsha === 'function') {
    return {
      what: 'an @upstash/redis client',
      wrap: "upstashStore({ client }) from '@sluice/upstash', then createRateLimiter({ store, algorithm })",
    }
  }
  if (typeof c.invokeScript === 'function' && typeof c.customCommand === 'function') {
    return {
      what: 'a Valkey GLIDE client',
      wrap: "valkeyGlideStore({ client }) from '@sluice/valkey-glide', then createRateLimiter({ store, algorithm })",
    }
  }
  if (typeof c.sendCommand === 'function' && 'isOpen' in c) {
    return {
      what: 'a node-redis client',
      wrap: "nodeRedisStore({ client }) from '@sluice/node-redis', then createRateLimiter({ store, algorithm })",
    }
  }
  return undefined
}

/**
 * `options.algorithm`: one limit or a list of 1 to `MAX_LIMITS_PER_REQUEST` distinct ones, each
 * from a factory and runnable by `store` (all together, for several).
 */
export function checkAlgorithms(algorithm: unknown, store: Store): readonly Algorithm[] {
  const list = Array.isArray(algorithm) ? [...algorithm] : [algorithm]
  if (list.length === 0) {
    throw new ConfigError('createRateLimiter: algorithm is an empty list; give at least one limit')
  }
  if (list.length > MAX_LIMITS_PER_REQUEST) {
    throw new ConfigError(
      `createRateLimiter: algorithm has ${list.length} limits; the most one limiter checks together is ${MAX_LIMITS_PER_REQUEST} (MAX_LIMITS_PER_REQUEST); split them over several limiters`,
    )
  }
  for (const a of list) {
    if (typeof (a as Partial<Algorithm>)?.step !== 'function' || typeof (a as Algorithm).kind !== 'string') {
      throw new ConfigError(
        `createRateLimiter: algorithm must come from a factory such as fixedWindow({ limit, window }), got ${show(a)}`,
      )
    }
    const kind = (a as Algorithm).kind
    if (!store.capabilities.algorithms.includes(kind)) {
      const why = store.capabilities.unsupported?.[kind]
      throw new UnsupportedAlgorithmError(
        `createRateLimiter: the ${store.name} store cannot run ${kind}${typeof why === 'string' ? ` (${why})` : ''}; it supports ${store.capabilities.algorithms.join(', ')}`,
      )
    }
    // A lease is released through the store's refund: without one, every lease would be held to its expiry.
    if (kind === 'concurrency' && typeof store.refund !== 'function') {
      throw new UnsupportedAlgorithmError(
        `createRateLimiter: the ${store.name} store cannot release concurrency leases (it has no refund method); use a store that can, such as memoryStore() or ioredisStore({ client })`,
      )
    }
  }
  const algorithms = list as Algorithm[]
  if (algorithms.length > 1 && !store.capabilities.composite) {
    throw new UnsupportedAlgorithmError(
      `createRateLimiter: the ${store.name} store cannot apply several limits atomically; give one algorithm`,
    )
  }
  const ids = new Set(algorithms.map((a) => a.id))
  if (ids.size !== algorithms.length) {
    throw new ConfigError(
      'createRateLimiter: the same limit appears twice in algorithm; remove the duplicate',
    )
  }
  return Object.freeze(algorithms)
}
