// The store conformance suite on one redis-server through a GlideClient: controlled clock (parity,
// expiry), batched and unbatched, and the store's own server and client clocks.
import { describeStore } from '@sluice/store-conformance'
import { valkeyGlideStore } from '../src/index.ts'
import { glideClient, redisAddress, UNBATCHED_INFLIGHT } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000
// timeoutMs: each test's hang bound (120 s, as every test's): properties over a real server are slow at load.
const options = { timeoutMs: 120_000, numRuns: 25 } as const

const client = await glideClient()
const on = 'valkey-glide on Redis'
describeStore(
  `${on}, controlled clock`,
  () => valkeyGlideStore({ client, timeoutMs: SLOW_MACHINE_MS }),
  options,
)
// Every decision in its own call (the batching above is the default): both paths pass the suite,
// unbatched on a client that lets the concurrency tests' 1000 calls be in flight at once.
const unbatchedClient = await glideClient(redisAddress(), { inflightRequestsLimit: UNBATCHED_INFLIGHT })
describeStore(
  `${on}, unbatched`,
  () => valkeyGlideStore({ client: unbatchedClient, batch: false, timeoutMs: SLOW_MACHINE_MS }),
  options,
)
describeStore(`${on}, server clock`, () => valkeyGlideStore({ client, timeoutMs: SLOW_MACHINE_MS }), {
  ...options,
  time: 'store',
})
describeStore(
  `${on}, client clock`,
  () => valkeyGlideStore({ client, clock: 'client', timeoutMs: SLOW_MACHINE_MS }),
  { ...options, time: 'store' },
)
