import type {} from '@sluice/test-services/vitest'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { afterAll, inject } from 'vitest'

/** A client of the shared single redis-server, closed after the file's tests. */
export function redisClient(options: RedisOptions = {}): Redis {
  const client = new Redis(inject('redisUrl'), { lazyConnect: false, ...options })
  afterAll(() => closeQuietly(client))
  return client
}

/** A client of the shared 3-master Cluster, closed after the file's tests. */
export function clusterClient(options: { enableAutoPipelining?: boolean } = {}): Cluster {
  const client = new Cluster(inject('clusterNodes'), options)
  afterAll(() => closeQuietly(client))
  return client
}

/** Quits when connected, else (or if quitting hangs) drops the connection. */
export async function closeQuietly(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') {
    const quit = client.quit().catch(() => undefined)
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1000))])
  }
  client.disconnect()
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(area: string): string {
  return `t:${area}:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
