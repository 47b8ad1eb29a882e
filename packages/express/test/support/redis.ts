import type {} from '@sluice/test-services/vitest'
import { Redis } from 'ioredis'
import { afterAll, inject } from 'vitest'

/** A client of the shared redis-server from the root globalSetup, closed after the file's tests. */
export function redisClient(): Redis {
  const client = new Redis(inject('redisUrl'))
  afterAll(async () => {
    await client.quit().catch(() => undefined)
    client.disconnect()
  })
  return client
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(area: string): string {
  return `t:${area}:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
