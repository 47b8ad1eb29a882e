// ioredis on a redis-server SIGKILLed under load: calls settle by policy within timeoutMs,
// decisions come back from Redis soon after the restart, nothing leaks (the shared scenario).
import { createRateLimiter, tokenBucket } from '@sluice/core'
import { type RedisServer, startRedis } from '@sluice/test-services'
import { expectSigkillRecovery } from '@sluice/test-services/chaos'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, it } from 'vitest'
import { ioredisStore } from '../../src/index.ts'
import { closeQuietly } from '../support/clients.ts'

const TIMEOUT_MS = 300
const LIMIT = 40

let server: RedisServer
let client: Redis
beforeAll(async () => {
  server = await startRedis()
  // A short, flat reconnect delay: ioredis's default backs off to 2 s, longer than the 1 s recovery.
  client = new Redis({ host: server.host, port: server.port, retryStrategy: () => 50 })
  client.on('error', () => undefined)
})
afterAll(async () => {
  await closeQuietly(client)
  await server.stop()
})

it('redis-server SIGKILLed under load: every call settles by policy within timeoutMs; restarted on the same port, decisions return to Redis within 1 s', async () => {
  const store = ioredisStore({ client, timeoutMs: TIMEOUT_MS, prefix: `chaos:${Date.now()}:` })
  const limiter = createRateLimiter({
    store,
    algorithm: tokenBucket({ capacity: LIMIT, refillRate: 1, refillInterval: '1h' }),
    onStoreError: 'deny',
  })
  await expectSigkillRecovery({
    label: 'ioredis',
    server,
    limiter,
    closeStore: () => store.close(),
    timeoutMs: TIMEOUT_MS,
    limit: LIMIT,
    // ioredis's 50 ms reconnect delay, the breaker's 500 ms cool-down, a call.
    recoveryMs: 1000,
  })
}, 120_000)
