// One process of the cross-process exactness test. Reads one JSON line of settings from the
// parent, says "ready" once connected, waits for "go", then fires `calls` concurrent limit()
// calls per algorithm on one key and prints how many each admitted; then the same for the next
// target (Redis, then the Cluster) on the next "go".

import { createInterface } from 'node:readline'
import {
  type Algorithm,
  concurrency,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { Cluster, Redis } from 'ioredis'
import { ioredisStore } from '../../src/index.ts'

interface Settings {
  /** Phase by phase, the Redis (a URL) or Cluster (its nodes) to run against. */
  readonly targets: (string | { host: string; port: number }[])[]
  readonly prefix: string
  readonly calls: number
}

/** Every kind at a quota of 100, with a day-long window so that time cannot add any. */
const LIMITS: Record<string, Algorithm> = {
  fixedWindow: fixedWindow({ limit: 100, window: '1d' }),
  slidingLog: slidingLog({ limit: 100, window: '1d' }),
  slidingWindow: slidingWindow({ limit: 100, window: '1d' }),
  tokenBucket: tokenBucket({ capacity: 100, refillRate: 1, refillInterval: '1d' }),
  gcra: gcra({ rate: 100, period: '1d' }),
  // Capacity 99 waiting plus the one leaving now: 100 at once.
  leakyBucket: leakyBucket({ capacity: 99, leakRate: 1, leakInterval: '1d' }),
  // 100 leases, none released: the 101st call finds every slot held.
  concurrency: concurrency({ limit: 100, leaseMs: '1d' }),
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const next = async (): Promise<string> => (await lines.next()).value as string

const settings = JSON.parse(await next()) as Settings
const clients = settings.targets.map((target) =>
  typeof target === 'string' ? new Redis(target) : new Cluster(target),
)
await Promise.all(clients.map((client) => client.ping()))
process.stdout.write('ready\n')
for (const client of clients) {
  const store = ioredisStore({ client, prefix: settings.prefix, timeoutMs: 10_000 })
  await next()
  const admitted: Record<string, number> = {}
  await Promise.all(
    Object.entries(LIMITS).map(async ([kind, algorithm]) => {
      const limiter = createRateLimiter({ store, algorithm })
      const decisions = await Promise.all(Array.from({ length: settings.calls }, () => limiter.limit('hot')))
      admitted[kind] = decisions.filter((d) => d.allowed).length
    }),
  )
  process.stdout.write(`${JSON.stringify(admitted)}\n`)
}
await Promise.all(clients.map((client) => client.quit()))
process.exit(0)
