import { type RedisCluster, startCluster } from './cluster.ts'
import { ensureRedisInstalled } from './install.ts'
import { type RedisServer, startRedis } from './redis.ts'
import { startUpstashServer, type UpstashServer } from './upstash/server.ts'

export interface Services {
  redis: RedisServer
  cluster: RedisCluster
  /** A local Upstash-REST-compatible server over `redis` (`url` and `token` for @upstash/redis). */
  upstash: UpstashServer
  /** Stops everything started here and removes their files. Idempotent. */
  stop(): Promise<void>
}

/**
 * Installs Redis if needed (see ensureRedisInstalled), then starts one redis-server, one 3-master
 * cluster, and a local Upstash REST server over that redis-server.
 */
export async function startServices(): Promise<Services> {
  await ensureRedisInstalled()
  const [redis, cluster] = await Promise.allSettled([startRedis(), startCluster()])
  if (redis.status === 'rejected' || cluster.status === 'rejected') {
    await Promise.all([
      redis.status === 'fulfilled' ? redis.value.stop() : undefined,
      cluster.status === 'fulfilled' ? cluster.value.stop() : undefined,
    ])
    throw redis.status === 'rejected' ? redis.reason : (cluster as PromiseRejectedResult).reason
  }
  let upstash: UpstashServer
  try {
    upstash = await startUpstashServer({ redisUrl: redis.value.url })
  } catch (error) {
    await Promise.all([redis.value.stop(), cluster.value.stop()])
    throw error
  }
  let stopping: Promise<void> | undefined
  return {
    redis: redis.value,
    cluster: cluster.value,
    upstash,
    stop: () => {
      // The Upstash server first: it holds a connection to the redis-server.
      stopping ??= upstash
        .stop()
        .then(() => Promise.all([redis.value.stop(), cluster.value.stop()]))
        .then(() => {})
      return stopping
    },
  }
}
