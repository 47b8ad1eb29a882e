// The ioredis store's options: the shared Redis store options (@sluice/redis-scripts) around an ioredis client.
import { ConfigError } from '@sluice/core'
import {
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from '@sluice/redis-scripts'
import type { IoredisStoreClient } from './client.ts'

export interface IoredisStoreOptions extends RedisStoreOptions<IoredisStoreClient> {
  /**
   * Your ioredis client: a `Redis` or a `Cluster` (or iovalkey's, Valkey's fork of ioredis), without
   * `keyPrefix`. The store never closes it.
   */
  readonly client: IoredisStoreClient
}

const EXAMPLE = 'ioredisStore({ client: new Redis(process.env.REDIS_URL) })'

export function resolveOptions(options: IoredisStoreOptions): ResolvedRedisStoreOptions<IoredisStoreClient> {
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

function checkClient(client: unknown): IoredisStoreClient {
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
  return client as IoredisStoreClient
}
