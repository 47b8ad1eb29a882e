// The ioredis store's options: the shared Redis store options (@sluice/redis-scripts) around an ioredis client.
import { ConfigError } from '@sluice/core'
import {
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from '@sluice/redis-scripts'
import type { Cluster, Redis } from 'ioredis'

export interface IoredisStoreOptions extends RedisStoreOptions<Redis | Cluster> {
  /** Your ioredis client: a `Redis` or a `Cluster`, without `keyPrefix`. The store never closes it. */
  readonly client: Redis | Cluster
}

const EXAMPLE = 'ioredisStore({ client: new Redis(process.env.REDIS_URL) })'

export function resolveOptions(options: IoredisStoreOptions): ResolvedRedisStoreOptions<Redis | Cluster> {
  return resolveRedisStoreOptions(options, {
    factory: 'ioredisStore',
    example: EXAMPLE,
    library: 'ioredis',
    isClient: (value) => typeof (value as ClientLike | undefined)?.defineCommand === 'function',
    checkClient,
  })
}

interface ClientLike {
  defineCommand?: unknown
  options?: { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } }
}

function checkClient(client: unknown): Redis | Cluster {
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
