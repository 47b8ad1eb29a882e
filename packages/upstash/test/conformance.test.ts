import { describeStore } from '@sluice/store-conformance'
import { upstashStore } from '../src/index.ts'
import { upstashClient } from './support/clients.ts'

// The store's clock is the limiter's, so the controlled clock covers it. With the client's
// defaults (auto-pipelining, base64 responses), and without base64: the script's numbers must read
// back alike either way. A client without auto-pipelining is tested in pipelining.test.ts (1000
// parallel calls would be 1000 parallel HTTP requests there).
// timeoutMs: each test's hang bound (120 s, as every test's): properties over a real server are slow at load.
const options = { timeoutMs: 120_000, numRuns: 25 } as const
describeStore(
  'upstash, client defaults',
  () => upstashStore({ client: upstashClient(), timeoutMs: 10_000 }),
  options,
)
describeStore(
  'upstash, no base64',
  () => upstashStore({ client: upstashClient({ responseEncoding: false }), timeoutMs: 10_000 }),
  options,
)
describeStore(
  'upstash, unbatched',
  () => upstashStore({ client: upstashClient(), batch: false, timeoutMs: 10_000 }),
  options,
)
