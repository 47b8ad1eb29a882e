import { type RedisCluster, startCluster } from './cluster.ts'
import { ensureRedisInstalled } from './install.ts'
import { type RedisServer, startRedis } from './redis.ts'

export interface Services {
  redis: RedisServer
  cluster: RedisCluster
  /** Stops everything started here and removes their files. Idempotent. */
  stop(): Promise<void>
}

/** Installs Redis if needed (see ensureRedisInstalled), then starts one redis-server and one 3-master cluster. */
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
  let stopping: Promise<void> | undefined
  return {
    redis: redis.value,
    cluster: cluster.value,
    stop: () => {
      stopping ??= Promise.all([redis.value.stop(), cluster.value.stop()]).then(() => {})
      return stopping
    },
  }
}
