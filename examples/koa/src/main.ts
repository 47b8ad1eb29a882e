import type { Store } from '@sluice/core'
import { ioredisStore } from '@sluice/ioredis'
import { memoryStore } from '@sluice/memory'
import { Redis } from 'ioredis'
import { createApp } from './app.ts'

const port = Number(process.env.PORT ?? 3000)
const redisUrl = process.env.REDIS_URL
const redis = redisUrl ? new Redis(redisUrl) : undefined
const store: Store = redis ? ioredisStore({ client: redis, prefix: 'sluice-example:' }) : memoryStore()

const server = createApp(store).listen(port, () => {
  console.log(
    `sluice Koa example on http://localhost:${port} (${redis ? `Redis at ${redisUrl}` : 'memory store'})`,
  )
  console.log('  GET  /         100/min per client    POST /login   3 per 15 min per email')
  console.log('  POST /upload   10 MB/min              GET  /report  shaped: 2/s, queue of 2')
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    server.closeAllConnections()
    redis?.disconnect()
  })
}
