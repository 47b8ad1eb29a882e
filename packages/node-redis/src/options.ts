// The node-redis store's options: the shared Redis store options (@sluice/redis-scripts) around a node-redis client or cluster.
import { ConfigError } from '@sluice/core'
import {
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from '@sluice/redis-scripts'
import type { NodeRedisClientOrCluster } from './client.ts'

export interface NodeRedisStoreOptions extends RedisStoreOptions<NodeRedisClientOrCluster> {
  /**
   * Your node-redis client: `createClient()` or `createCluster()` of the `redis` package (v4, v5 or
   * v6), connected (`await client.connect()`) before the first call. The store never closes it.
   */
  readonly client: NodeRedisClientOrCluster
}

const EXAMPLE = 'nodeRedisStore({ client: await createClient({ url: process.env.REDIS_URL }).connect() })'

interface ClientLike {
  sendCommand?: unknown
  isOpen?: unknown
  defineCommand?: unknown
  options?: { legacyMode?: unknown }
}

function isNodeRedis(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const c = value as ClientLike
  return typeof c.sendCommand === 'function' && 'isOpen' in c && c.defineCommand === undefined
}

export function resolveOptions(
  options: NodeRedisStoreOptions,
): ResolvedRedisStoreOptions<NodeRedisClientOrCluster> {
  return resolveRedisStoreOptions(options, {
    factory: 'nodeRedisStore',
    example: EXAMPLE,
    library: 'node-redis',
    isClient: isNodeRedis,
    checkClient,
  })
}

function checkClient(client: unknown): NodeRedisClientOrCluster {
  if (typeof (client as ClientLike).defineCommand === 'function') {
    throw new ConfigError(
      "nodeRedisStore: client is an ioredis client; use ioredisStore({ client }) from '@sluice/ioredis' for it, or pass a node-redis client (createClient() of the redis package)",
    )
  }
  if (!isNodeRedis(client)) {
    throw new ConfigError(
      `nodeRedisStore: client must be a node-redis client or cluster, createClient() or createCluster() of the redis package v4, v5 or v6 (${EXAMPLE}), got ${Object.prototype.toString.call(client)}`,
    )
  }
  if ((client as ClientLike).options?.legacyMode === true) {
    // Legacy mode's commands take callbacks; the store awaits promises.
    throw new ConfigError(
      'nodeRedisStore: the client is in legacyMode, whose commands answer through callbacks; pass a client without it: client.duplicate({ legacyMode: false }) (connect it too)',
    )
  }
  return client as NodeRedisClientOrCluster
}
