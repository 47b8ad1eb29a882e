import { fileURLToPath } from 'node:url'
import type { Store } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { memoryStore } from '@sluice/memory'
import { Redis } from 'ioredis'
import { startServer } from './app.ts'

const rulesPath = process.env.RULES ?? fileURLToPath(new URL('../rules.yaml', import.meta.url))
const redisUrl = process.env.REDIS_URL
const redis = redisUrl ? new Redis(redisUrl) : undefined
const store: Store = redis ? ioredisStore({ client: redis, prefix: 'sluice-example:' }) : memoryStore()

const server = await startServer({ store, rulesPath, port: Number(process.env.PORT ?? 3000) })
console.log(`sluice rules example on ${server.url} (${redis ? `Redis at ${redisUrl}` : 'memory store'})`)
console.log(`limits from ${rulesPath}: edit and save it, the server reloads it`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => redis?.disconnect())
  })
}
