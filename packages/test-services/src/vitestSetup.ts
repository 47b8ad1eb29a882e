// Vitest globalSetup: one redis-server, one 3-master Redis Cluster and one local Upstash REST
// server for the whole run. Tests read them with inject('redisUrl') / inject('clusterNodes') /
// inject('upstash') from 'vitest'.
import type { TestProject } from 'vitest/node'
import { ensureRedisInstalled } from './install.ts'
import type {} from './provided-context.ts'
import { startServices } from './services.ts'

export default async function setup({ provide }: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  await ensureRedisInstalled()
  const services = await startServices()
  provide('redisUrl', services.redis.url)
  provide(
    'clusterNodes',
    services.cluster.nodes.map(({ host, port }) => ({ host, port })),
  )
  provide('upstash', { url: services.upstash.url, token: services.upstash.token })
  return () => services.stop()
}
