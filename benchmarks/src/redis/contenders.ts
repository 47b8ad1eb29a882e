/**
 * The contenders on Redis: sluice's ioredis store under each algorithm, the two peers' Redis
 * stores, and a floor. Each makes the same decision for a call: may `key` do one more request
 * under `limit` per `windowMs`? Each is handed an ioredis client of its own (a fresh connection)
 * and writes its decision as its users would: `(await limiter.limit(key)).allowed`,
 * `(await store.increment(key)).totalHits <= limit`, or `try { await limiter.consume(key) } catch …`
 * (rate-limiter-flexible rejects on denial; catching it is part of what its users pay).
 *
 * Unlike the in-process contenders, these share one driving loop (`Decide` is called by the case's
 * 64 lanes): a round trip to Redis costs tens of microseconds, the extra async call a fraction of
 * one, and it is the same for every contender.
 */
// Type-only imports: each worker loads only the library of the contender it runs (see `load`).
import type { Algorithm } from '@sluice/core'
import type { Options as ExpressRateLimitOptions } from 'express-rate-limit'
import type { Cluster, Redis } from 'ioredis'
import type { RedisReply } from 'rate-limit-redis'
import { type Observer, observerLabel, observerOf } from '../observers.ts'
import type { ClientKind, NodeRedisClient, ValkeyGlideClient } from './target.ts'

export interface LimitConfig {
  /** Requests admitted per window (a burst / capacity of the same size for the bucket algorithms). */
  readonly limit: number
  readonly windowMs: number
}

/** One decision on `key`: resolves to whether the call is admitted. */
export type Decide = (key: string) => Promise<boolean>

/**
 * Makes a fresh limiter on `client` whose keys all start with `namespace` (one namespace per
 * instance, so no two instances share state) and returns its decision.
 */
export type RedisFactory = (
  client: Redis | Cluster,
  config: LimitConfig,
  namespace: string,
) => Promise<Decide>

export interface RedisContender {
  readonly name: string
  readonly group: 'sluice' | 'peer' | 'floor'
  /** The client it is handed: an ioredis one unless it says node-redis or valkey-glide (its factory then takes that). */
  readonly client?: ClientKind
  /** Imports the contender's library (only that one) and returns a maker of fresh instances. */
  load(): Promise<RedisFactory>
}

/** What the name of a contender with batching off ends with. */
const UNBATCHED = ', unbatched'

type SluiceAlgorithm = 'fixedWindow' | 'slidingWindow' | 'tokenBucket' | 'gcra' | 'slidingLog'
type Core = typeof import('@sluice/core')

const ALGORITHMS: Record<SluiceAlgorithm, (core: Core, c: LimitConfig) => Algorithm> = {
  fixedWindow: (core, { limit, windowMs }) => core.fixedWindow({ limit, window: windowMs }),
  slidingWindow: (core, { limit, windowMs }) => core.slidingWindow({ limit, window: windowMs }),
  tokenBucket: (core, { limit, windowMs }) =>
    core.tokenBucket({ capacity: limit, refillRate: limit, refillInterval: windowMs }),
  gcra: (core, { limit, windowMs }) => core.gcra({ rate: limit, period: windowMs }),
  slidingLog: (core, { limit, windowMs }) => core.slidingLog({ limit, window: windowMs }),
}

/** What the name of a contender whose turns under a full batch go unbatched ends with. */
const SMALL_TURNS_ALONE = ', turns under 16 unbatched'

/**
 * sluice as its README shows it: `ioredisStore({ client })` under `createRateLimiter`, defaults
 * (decision batching on) but a longer deadline; `batch: false` for the unbatched rows; the
 * internal `minBatch: 16` for the row whose turns of fewer than a full batch go one call each.
 */
function sluice(
  algorithm: SluiceAlgorithm,
  observer: Observer = 'none',
  batch = true,
  minBatch?: number,
): RedisContender {
  const variant = !batch ? UNBATCHED : minBatch === undefined ? '' : SMALL_TURNS_ALONE
  return {
    name: observerLabel(`sluice ${algorithm}${variant}`, observer),
    group: 'sluice',
    async load() {
      const core = await import('@sluice/core')
      const { ioredisStore } = await import('@sluice/ioredis')
      const observe = await observerOf(observer)
      return async (client, config, namespace) => {
        const limiter = core.createRateLimiter({
          // The default 1 s deadline is meant for production; on a shared benchmark machine a
          // slow moment must not end the run (the peers have no deadline at all).
          store: ioredisStore({ client, timeoutMs: 30_000, batch, minBatch }),
          algorithm: ALGORITHMS[algorithm](core, config),
          prefix: namespace,
        })
        observe?.(limiter)
        return async (key) => (await limiter.limit(key)).allowed
      }
    },
  }
}

/**
 * rate-limiter-flexible's RateLimiterRedis as its README shows it. On ioredis it defines its script
 * with defineCommand (EVALSHA); on node-redis (`useRedisPackage: true`, the `redis` package) it
 * sends the script text with EVAL on every call: the peer of the node-redis rows.
 */
function rateLimiterFlexibleOn(client: 'ioredis' | 'node-redis'): RedisContender {
  const nodeRedis = client === 'node-redis'
  return {
    name: `rate-limiter-flexible RateLimiterRedis${nodeRedis ? ' on node-redis' : ''}`,
    group: 'peer',
    ...(nodeRedis ? { client } : {}),
    async load() {
      const { RateLimiterRedis, RateLimiterRes } = await import('rate-limiter-flexible')
      return async (storeClient, { limit, windowMs }, namespace) => {
        const limiter = new RateLimiterRedis({
          storeClient,
          useRedisPackage: nodeRedis,
          points: limit,
          duration: windowMs / 1000,
          keyPrefix: namespace,
        })
        return async (key) => {
          // A denial is a rejected promise: catching it is part of what its users pay.
          try {
            await limiter.consume(key)
            return true
          } catch (error) {
            if (error instanceof RateLimiterRes) return false
            throw error
          }
        }
      }
    },
  }
}

const rateLimiterFlexible = rateLimiterFlexibleOn('ioredis')
const rateLimiterFlexibleOnNodeRedis = rateLimiterFlexibleOn('node-redis')

const rateLimitRedis: RedisContender = {
  name: 'express-rate-limit + rate-limit-redis',
  group: 'peer',
  async load() {
    const { RedisStore } = await import('rate-limit-redis')
    return async (client, { limit, windowMs }, namespace) => {
      const prefix = `${namespace}:`
      // The client setup its README gives for ioredis. On a Cluster, SCRIPT LOAD (no key) would go
      // to one node at random and EVALSHA then fail with NOSCRIPT on the others, so the script is
      // loaded on every master and every other command is routed by its key.
      // The Cluster client knows its masters once connected.
      if ('nodes' in client && client.status !== 'ready')
        await new Promise((ready) => client.once('ready', ready))
      const store =
        'nodes' in client
          ? new RedisStore({
              sendCommandCluster: async ({ command }) => {
                const [name, ...args] = command as [string, ...string[]]
                if (name.toUpperCase() === 'SCRIPT') {
                  const shas = await Promise.all(
                    client.nodes('master').map((node) => node.call(name, ...args)),
                  )
                  return shas[0] as RedisReply
                }
                return client.call(name, ...args) as Promise<RedisReply>
              },
              prefix,
            })
          : new RedisStore({
              sendCommand: (...args: string[]) =>
                client.call(...(args as [string, ...string[]])) as Promise<RedisReply>,
              prefix,
            })
      // The middleware passes its whole options object; the store reads only windowMs.
      await store.init({ windowMs } as ExpressRateLimitOptions)
      // The middleware's own decision: hits so far against the limit.
      return async (key) => (await store.increment(key)).totalHits <= limit
    }
  },
}

/** The floor's script: the least a Redis fixed window can do in one script call. */
const FLOOR_SCRIPT = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n`

type FloorClient = (Redis | Cluster) & { benchFloor(key: string, px: string): Promise<number> }

/** A bare ioredis EVALSHA (through defineCommand, as sluice runs its script) of INCR + PEXPIRE. */
const floor: RedisContender = {
  name: 'floor: ioredis EVALSHA of INCR + PEXPIRE',
  group: 'floor',
  async load() {
    return async (client, { limit, windowMs }, namespace) => {
      client.defineCommand('benchFloor', { numberOfKeys: 1, lua: FLOOR_SCRIPT })
      const c = client as FloorClient
      const px = String(windowMs)
      const start = `${namespace}:`
      return async (key) => (await c.benchFloor(start + key, px)) <= limit
    }
  },
}

/**
 * sluice on node-redis as its README shows it: `nodeRedisStore({ client })` under
 * `createRateLimiter`, defaults but a longer deadline. Handed a node-redis client.
 */
function sluiceOnNodeRedis(algorithm: SluiceAlgorithm, batch = true): RedisContender {
  return {
    name: `sluice ${algorithm} on node-redis${batch ? '' : UNBATCHED}`,
    group: 'sluice',
    client: 'node-redis',
    async load() {
      const core = await import('@sluice/core')
      const { nodeRedisStore } = await import('@sluice/node-redis')
      return async (client, config, namespace) => {
        const limiter = core.createRateLimiter({
          store: nodeRedisStore({ client: client as unknown as NodeRedisClient, timeoutMs: 30_000, batch }),
          algorithm: ALGORITHMS[algorithm](core, config),
          prefix: namespace,
        })
        return async (key) => (await limiter.limit(key)).allowed
      }
    },
  }
}

/**
 * A bare node-redis EVALSHA of INCR + PEXPIRE (EVAL once, to load it), through `sendCommand` as
 * sluice's node-redis store sends its scripts (on one server, with `{ timeout: 0 }`: no node-redis
 * v6 command timeout for a ready client, as the store does): the floor of the node-redis rows.
 */
const NO_COMMAND_TIMEOUT = Object.freeze({ timeout: 0 })
/** node-redis's `sendCommand` with its options (sluice's client type leaves them out: each major types them apart). */
type SendWithOptions = { sendCommand(args: string[], options: { timeout: number }): Promise<unknown> }

const nodeRedisFloor: RedisContender = {
  name: 'floor: node-redis EVALSHA of INCR + PEXPIRE',
  group: 'floor',
  client: 'node-redis',
  async load() {
    const { createHash } = await import('node:crypto')
    const sha = createHash('sha1').update(FLOOR_SCRIPT).digest('hex')
    return async (given, { limit, windowMs }, namespace) => {
      const client = given as unknown as NodeRedisClient
      const px = String(windowMs)
      const start = `${namespace}:`
      const send = (key: string, args: string[]) =>
        ('slots' in client
          ? client.sendCommand(key, false, args)
          : (client as unknown as SendWithOptions).sendCommand(args, NO_COMMAND_TIMEOUT)) as Promise<number>
      return async (key) => {
        const k = start + key
        try {
          return (await send(k, ['EVALSHA', sha, '1', k, px])) <= limit
        } catch (error) {
          if (!String(error).includes('NOSCRIPT')) throw error
          return (await send(k, ['EVAL', FLOOR_SCRIPT, '1', k, px])) <= limit
        }
      }
    }
  },
}

/**
 * sluice on Valkey GLIDE as its README shows it: `valkeyGlideStore({ client })` under
 * `createRateLimiter`, defaults but a longer deadline. Handed a GLIDE client.
 */
function sluiceOnGlide(algorithm: SluiceAlgorithm, batch = true): RedisContender {
  return {
    name: `sluice ${algorithm} on valkey-glide${batch ? '' : UNBATCHED}`,
    group: 'sluice',
    client: 'valkey-glide',
    async load() {
      const core = await import('@sluice/core')
      const { valkeyGlideStore } = await import('@sluice/valkey-glide')
      return async (client, config, namespace) => {
        const limiter = core.createRateLimiter({
          store: valkeyGlideStore({
            client: client as unknown as ValkeyGlideClient,
            timeoutMs: 30_000,
            batch,
          }),
          algorithm: ALGORITHMS[algorithm](core, config),
          prefix: namespace,
        })
        return async (key) => (await limiter.limit(key)).allowed
      }
    },
  }
}

/**
 * A bare GLIDE `invokeScript` of INCR + PEXPIRE (EVALSHA; GLIDE loads it on NOSCRIPT), as sluice's
 * GLIDE store runs its scripts: the floor of the GLIDE rows.
 */
const glideFloor: RedisContender = {
  name: 'floor: valkey-glide invokeScript of INCR + PEXPIRE',
  group: 'floor',
  client: 'valkey-glide',
  async load() {
    const { Script } = await import('@valkey/valkey-glide')
    const script = new Script(FLOOR_SCRIPT)
    return async (given, { limit, windowMs }, namespace) => {
      const client = given as unknown as ValkeyGlideClient
      const px = String(windowMs)
      const start = `${namespace}:`
      return async (key) =>
        ((await client.invokeScript(script, { keys: [start + key], args: [px] })) as number) <= limit
    }
  },
}

export const FLOOR = floor.name
export const NODE_REDIS_FLOOR = nodeRedisFloor.name
/** The node-redis rows' peer: rate-limiter-flexible on node-redis. */
export const NODE_REDIS_PEER = rateLimiterFlexibleOnNodeRedis.name
/** The node-redis rows, each against the node-redis floor and the same row on ioredis. */
export const NODE_REDIS_ROWS = ['sluice gcra on node-redis', 'sluice gcra on node-redis, unbatched'] as const
export const GLIDE_FLOOR = glideFloor.name
/** The GLIDE rows, each against the GLIDE floor and the same row on ioredis. */
export const GLIDE_ROWS = ['sluice gcra on valkey-glide', 'sluice gcra on valkey-glide, unbatched'] as const
export const PEERS = [rateLimiterFlexible.name, rateLimitRedis.name] as const

/** The algorithms the goals are about; slidingLog is reported apart (no goal). */
export const GOAL_ALGORITHMS = [
  'sluice fixedWindow',
  'sluice slidingWindow',
  'sluice tokenBucket',
  'sluice gcra',
] as const
/** The same algorithms with decision batching off (`batch: false`): one script call per decision. */
export const UNBATCHED_GOAL_ALGORITHMS = GOAL_ALGORITHMS.map((name) => `${name}${UNBATCHED}`)
export const SEPARATE = ['sluice slidingLog'] as const

export const REDIS_CONTENDERS: readonly RedisContender[] = [
  sluice('fixedWindow'),
  sluice('slidingWindow'),
  sluice('tokenBucket'),
  sluice('gcra'),
  sluice('fixedWindow', 'none', false),
  sluice('slidingWindow', 'none', false),
  sluice('tokenBucket', 'none', false),
  sluice('gcra', 'none', false),
  // The cost of observability: `sluice gcra` has no listener; these have a no-op `decision`
  // listener, and @sluice/otel recording every decision.
  sluice('gcra', 'noop'),
  sluice('gcra', 'otel'),
  sluice('slidingLog'),
  rateLimiterFlexible,
  rateLimitRedis,
  floor,
  sluiceOnNodeRedis('gcra'),
  sluiceOnNodeRedis('gcra', false),
  rateLimiterFlexibleOnNodeRedis,
  nodeRedisFloor,
  sluiceOnGlide('gcra'),
  sluiceOnGlide('gcra', false),
  glideFloor,
]

/**
 * Run by redis-concurrency only: a node's turn under a full batch of 16 sent one script call per
 * decision (minBatch 16), against the default of batching any two; the evidence for that default.
 */
const CONCURRENCY_ONLY: readonly RedisContender[] = [sluice('fixedWindow', 'none', true, 16)]
export const SMALL_TURNS_UNBATCHED = (CONCURRENCY_ONLY[0] as RedisContender).name

export function contenderNamed(name: string): RedisContender {
  const found = REDIS_CONTENDERS.find((c) => c.name === name) ?? CONCURRENCY_ONLY.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no Redis contender named ${JSON.stringify(name)}`)
  return found
}
