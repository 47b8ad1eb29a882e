// One process of the cross-process exactness test. Reads one JSON line of settings from the
// parent, says "ready" once its client has reached the server, waits for "go", then fires
// `calls` concurrent limit() calls per algorithm on one key and prints how many each admitted.
// The client has its defaults: auto-pipelining and base64 responses.

import { createInterface } from 'node:readline'
import {
  type Algorithm,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { Redis } from '@upstash/redis'
import { upstashStore } from '../../src/index.ts'

interface Settings {
  readonly url: string
  readonly token: string
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
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const next = async (): Promise<string> => (await lines.next()).value as string

const settings = JSON.parse(await next()) as Settings
const client = new Redis({ url: settings.url, token: settings.token })
await client.ping()
const store = upstashStore({ client, prefix: settings.prefix, timeoutMs: 20_000 })
process.stdout.write('ready\n')
await next()
const admitted: Record<string, number> = {}
await Promise.all(
  Object.entries(LIMITS).map(async ([kind, algorithm]) => {
    const limiter = createRateLimiter({ store, algorithm })
    // All in flight at once, started over several ticks: with auto-pipelining each tick's calls
    // go out as one request, so the children's requests interleave at the server.
    const calls = []
    for (let i = 0; i < settings.calls; i++) {
      if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
      calls.push(limiter.limit('hot'))
    }
    const decisions = await Promise.all(calls)
    admitted[kind] = decisions.filter((d) => d.allowed).length
  }),
)
process.stdout.write(`${JSON.stringify(admitted)}\n`)
process.exit(0)
