// The store conformance suite against a real Upstash database.
import { describeStore } from '@sluice/store-conformance'
import { upstashStore } from '../../src/index.ts'
import { liveClient } from './support.ts'

// Fewer property runs than on the local server: every call is a round trip over the internet.
const options = { timeoutMs: 600_000, numRuns: 5 } as const
describeStore(
  'upstash live, client defaults',
  () => upstashStore({ client: liveClient(), timeoutMs: 20_000 }),
  options,
)
describeStore(
  'upstash live, unbatched',
  () => upstashStore({ client: liveClient(), batch: false, timeoutMs: 20_000 }),
  options,
)
