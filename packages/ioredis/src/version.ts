import { StoreError } from '@sluice/core'
import { isSupportedRedisVersion, MINIMUM_REDIS_VERSION, redisVersionOf } from '@sluice/redis-scripts'
import type { Cluster, Redis } from 'ioredis'

type Client = Redis | Cluster

/** One check per client, shared by every store on it; `true` once passed. */
const checks = new WeakMap<Client, Promise<void> | true>()

/**
 * Checks once per client, lazily on its first call, that the server runs a Redis the scripts
 * support. A failed `INFO` (a connection problem) is retried on the next call; a server that
 * refuses `INFO` (an ACL without it) is trusted; a server too old fails every call clearly.
 */
export function checkServerVersion(client: Client): Promise<void> | undefined {
  const known = checks.get(client)
  if (known === true) return undefined
  if (known !== undefined) return known
  const check = client.info('server').then(
    (info) => {
      const version = redisVersionOf(info)
      if (version !== undefined && !isSupportedRedisVersion(version)) {
        throw new StoreError(
          `ioredis store: the server runs Redis ${version}, older than ${MINIMUM_REDIS_VERSION}, the oldest that sluice's scripts support; upgrade Redis (or use Valkey)`,
        )
      }
      checks.set(client, true)
    },
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ReplyError') {
        checks.set(client, true)
        return
      }
      checks.delete(client)
      throw error
    },
  )
  checks.set(client, check)
  // Callers await the check; this handler only keeps an abandoned one from going unhandled.
  check.catch(() => undefined)
  return check
}
