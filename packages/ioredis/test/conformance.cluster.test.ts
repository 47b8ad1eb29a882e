import { describeStore } from '@sluice/store-conformance'
import { ioredisStore } from '../src/index.ts'
import { clusterClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

const client = clusterClient()
// timeoutMs: each test's hang bound (120 s, as every test's): properties over a real server are slow at load.
const options = { timeoutMs: 120_000, numRuns: 25 } as const
describeStore(
  'ioredis on Cluster, controlled clock',
  () => ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS }),
  options,
)
// minBatch 2 (the default, pinned): any two decisions of a turn on a master run the engine,
// whatever the default becomes, so the suite's small turns keep exercising it.
describeStore(
  'ioredis on Cluster, server clock',
  () => ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS, minBatch: 2 }),
  {
    ...options,
    time: 'store',
  },
)
describeStore(
  'ioredis on Cluster, client clock',
  () => ioredisStore({ client, clock: 'client', timeoutMs: SLOW_MACHINE_MS }),
  {
    ...options,
    time: 'store',
  },
)
// Every decision in its own call (the batching above is the default): both paths pass the suite.
describeStore(
  'ioredis on Cluster, unbatched',
  () => ioredisStore({ client, batch: false, timeoutMs: SLOW_MACHINE_MS }),
  options,
)
