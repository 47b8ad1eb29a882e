// Starts the example on PORT (3000), on Redis when REDIS_URL is set, else on a memory store.
import type { Store } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { memoryStore } from '@sluice/memory'
import { Redis } from 'ioredis'
import { createApp } from './app.ts'

const port = Number(process.env.PORT ?? 3000)
const redisUrl = process.env.REDIS_URL
const redis = redisUrl ? new Redis(redisUrl) : undefined
const store: Store = redis ? ioredisStore({ client: redis, prefix: 'sluice-example:' }) : memoryStore()

const app = await createApp(store)
await app.listen({ port, host: process.env.HOST ?? 'localhost' })
console.log(
  `sluice Fastify example on http://localhost:${port} (${redis ? `Redis at ${redisUrl}` : 'memory store'})`,
)
console.log('  GET  /         100/min per client    POST /login   3 per 15 min per email, and the 100/min')
console.log('  POST /upload   10 MB/min              GET  /report  shaped: 2/s, queue of 2')

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => redis?.disconnect())
  })
}
