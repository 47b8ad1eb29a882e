import type {} from '@sluice/test-services/vitest'
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, inject } from 'vitest'

/**
 * A client of the shared redis-server that the root vitest globalSetup started (or of `options`'
 * host and port when given); closed after the file's tests.
 */
export function redisClient(options?: RedisOptions): Redis {
  const client = options === undefined ? new Redis(inject('redisUrl')) : new Redis(options)
  client.on('error', () => undefined)
  afterAll(async () => {
    if (client.status === 'ready') await client.quit().catch(() => undefined)
    client.disconnect()
  })
  return client
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(): string {
  return `t:hono:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
