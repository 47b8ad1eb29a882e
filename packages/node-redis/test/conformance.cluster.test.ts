// The store conformance suite on the 3-master Cluster: the whole suite on node-redis v6; on v4 and v5 the
// areas on the store's own clock (server and client clocks: concurrency, isolation, composites,
// bad input). The controlled-clock areas (parity, expiry) write real Redis keys whose TTLs, in
// trace time, can be a few milliseconds (+ 1 s grace on Redis's clock): a machine stalling longer
// than that between two steps lets Redis expire a key the reference still holds (seen once at
// numRuns ×10 under heavy load); the suite now reruns such a run (store-conformance's stalls.ts).
// They run as often as for ioredis, on one major (v6), not three times over;
// batching.test.ts checks exact decisions on every major.
import { describeStore } from '@sluice/store-conformance'
import { nodeRedisStore } from '../src/index.ts'
import { clusterClient, MAJORS } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
// timeoutMs: each test's hang bound (120 s, as every test's): properties over a real server are slow at load.
const options = { timeoutMs: 120_000, numRuns: 25 } as const

for (const major of MAJORS) {
  const client = await clusterClient(major)
  const on = `node-redis ${major.name} on Cluster`
  if (major.name === 'v6') {
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
  }
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
