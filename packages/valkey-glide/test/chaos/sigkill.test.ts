// GLIDE on a redis-server SIGKILLed under load: calls settle by policy within timeoutMs, decisions
// come back from Redis soon after the restart (GLIDE reconnects, the scripts load again), nothing
// leaks (the shared scenario).
import { createRateLimiter, tokenBucket } from '@sluice/core'
import { type RedisServer, startRedis } from '@sluice/test-services'
import { expectSigkillRecovery } from '@sluice/test-services/chaos'
import { GlideClient } from '@valkey/valkey-glide'
import { afterAll, beforeAll, it } from 'vitest'
import { valkeyGlideStore } from '../../src/index.ts'

const TIMEOUT_MS = 300
const LIMIT = 40

let server: RedisServer
let client: GlideClient
beforeAll(async () => {
  server = await startRedis()
  client = await GlideClient.createClient({
    addresses: [{ host: '127.0.0.1', port: server.port }],
    requestTimeout: 20_000,
    // A short reconnect delay (50, 100, then 200 ms): GLIDE's default grows to seconds.
    connectionBackoff: { numberOfRetries: 2, factor: 50, exponentBase: 2 },
  })
})
afterAll(async () => {
  client.close()
  await server.stop()
})

it('redis-server SIGKILLed under load: every call settles by policy within timeoutMs; restarted on the same port, decisions return to Redis within 2 s', async () => {
  const store = valkeyGlideStore({ client, timeoutMs: TIMEOUT_MS, prefix: `chaos:${Date.now()}:` })
  const limiter = createRateLimiter({
    store,
    algorithm: tokenBucket({ capacity: LIMIT, refillRate: 1, refillInterval: '1h' }),
    onStoreError: 'deny',
  })
  await expectSigkillRecovery({
    label: 'valkey-glide',
    server,
    limiter,
    closeStore: () => store.close(),
    timeoutMs: TIMEOUT_MS,
    limit: LIMIT,
    // GLIDE's reconnect delay (at most 200 ms, with jitter), the breaker's 500 ms cool-down, a call;
    // GLIDE reconnects from its own native threads, which a loaded machine may schedule late, hence
    // twice node-redis's bound.
    recoveryMs: 2000,
  })
}, 120_000)
