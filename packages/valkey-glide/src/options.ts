// The GLIDE store's options: the shared Redis store options (@sluice/redis-scripts) around a GLIDE client.
import { ConfigError } from '@sluice/core'
import {
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  resolveRedisStoreOptions,
} from '@sluice/redis-scripts'
import { isClosed, type ValkeyGlideClient } from './client.ts'

export interface ValkeyGlideStoreOptions extends RedisStoreOptions<ValkeyGlideClient> {
  /**
   * Your GLIDE client: `await GlideClient.createClient(…)` or `await GlideClusterClient.createClient(…)`
   * of `@valkey/valkey-glide` (v2), connected as created. The store never closes it.
   */
  readonly client: ValkeyGlideClient
}

const EXAMPLE =
  "valkeyGlideStore({ client: await GlideClient.createClient({ addresses: [{ host: 'localhost', port: 6379 }] }) })"

interface ClientLike {
  invokeScript?: unknown
  customCommand?: unknown
  defineCommand?: unknown
  sendCommand?: unknown
  isOpen?: unknown
  then?: unknown
}

function isGlide(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const c = value as ClientLike
  return typeof c.invokeScript === 'function' && typeof c.customCommand === 'function'
}

export function resolveOptions(
  options: ValkeyGlideStoreOptions,
): ResolvedRedisStoreOptions<ValkeyGlideClient> {
  return resolveRedisStoreOptions(options, {
    factory: 'valkeyGlideStore',
    example: EXAMPLE,
    library: 'GLIDE',
    isClient: isGlide,
    checkClient,
  })
}

function checkClient(client: unknown): ValkeyGlideClient {
  const c = client as ClientLike
  if (typeof c.then === 'function') {
    // createClient() resolves to the client once connected; its promise is not one.
    throw new ConfigError(`valkeyGlideStore: client is a promise; await it: ${EXAMPLE}`)
  }
  if (typeof c.defineCommand === 'function') {
    throw new ConfigError(
      "valkeyGlideStore: client is an ioredis client; use ioredisStore({ client }) from '@sluice/ioredis' for it, or pass a GLIDE client (GlideClient.createClient() of @valkey/valkey-glide)",
    )
  }
  if (typeof c.sendCommand === 'function' && 'isOpen' in c) {
    throw new ConfigError(
      "valkeyGlideStore: client is a node-redis client; use nodeRedisStore({ client }) from '@sluice/node-redis' for it, or pass a GLIDE client (GlideClient.createClient() of @valkey/valkey-glide)",
    )
  }
  if (!isGlide(client)) {
    throw new ConfigError(
      `valkeyGlideStore: client must be a GLIDE client, GlideClient or GlideClusterClient of @valkey/valkey-glide v2 (${EXAMPLE}), got ${Object.prototype.toString.call(client)}`,
    )
  }
  if (isClosed(client as ValkeyGlideClient)) {
    throw new ConfigError(
      'valkeyGlideStore: the GLIDE client is closed, and GLIDE never reopens a client; pass an open one (create a new client with GlideClient.createClient)',
    )
  }
  return client as ValkeyGlideClient
}
