// Starts the example: PLATFORM=fastify for Fastify, PORT, TRUST_PROXY, REDIS_URL.
import { createApp, type Platform } from './app.ts'
import { redis } from './limits.ts'

const port = Number(process.env.PORT ?? 3000)
const platform: Platform = process.env.PLATFORM === 'fastify' ? 'fastify' : 'express'
const trustProxy = process.env.TRUST_PROXY
const app = await createApp(platform, trustProxy === undefined ? {} : { trustProxy })
app.enableShutdownHooks()
await app.listen(port, '0.0.0.0')
console.log(
  `sluice NestJS example on ${platform}, http://localhost:${port} (${redis ? `Redis at ${process.env.REDIS_URL}` : 'memory store'})`,
)
console.log('  GET  /         100/min per client    POST /login   3 per 15 min per email')
console.log('  GET  /export   costs 10 of the 100     GET  /report  shaped: 2/s, queue of 2')

process.once('beforeExit', () => redis?.disconnect())
