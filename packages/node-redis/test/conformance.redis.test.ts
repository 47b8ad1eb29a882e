// The store conformance suite on one redis-server: the whole suite, on every
// node-redis major in the peer range (v4, v5, v6).
import { describeStore } from '@sluice/store-conformance'
import { nodeRedisStore } from '../src/index.ts'
import { MAJORS, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
// timeoutMs: each test's hang bound (120 s, as every test's): properties over a real server are slow at load.
const options = { timeoutMs: 120_000, numRuns: 25 } as const

for (const major of MAJORS) {
  const client = await redisClient(major)
  const on = `node-redis ${major.name} on Redis`
  describeStore(
    `${on}, controlled clock`,
    () => nodeRedisStore({ client, timeoutMs: SLOW_MACHINE_MS }),
    options,
  )
  // Every decision in its own call (the batching above is the default): both paths pass the suite.
  describeStore(
    `${on}, unbatched`,
    () => nodeRedisStore({ client, batch: false, timeoutMs: SLOW_MACHINE_MS }),
    options,
  )
  describeStore(`${on}, server clock`, () => nodeRedisStore({ client, timeoutMs: SLOW_MACHINE_MS }), {
    ...options,
    time: 'store',
  })
  describeStore(
    `${on}, client clock`,
    () => nodeRedisStore({ client, clock: 'client', timeoutMs: SLOW_MACHINE_MS }),
    { ...options, time: 'store' },
  )
}
