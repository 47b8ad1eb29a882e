// One process of the cross-process lease test. Reads one JSON line of settings, says "ready" once
// connected, waits for "go", then runs `holders` holders that each take a lease `rounds` times,
// count themselves in a shared Redis counter while holding it, and release it; prints the most
// holders the counter ever showed (across every process) and the rounds done.

import { createInterface } from 'node:readline'
import { concurrency, createRateLimiter } from '@sluice/core'
import { Redis } from 'ioredis'
import { ioredisStore } from '../../src/index.ts'

interface Settings {
  readonly url: string
  readonly prefix: string
  readonly limit: number
  readonly holders: number
  readonly rounds: number
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const next = async (): Promise<string> => (await lines.next()).value as string

const settings = JSON.parse(await next()) as Settings
const client = new Redis(settings.url)
await client.ping()
const store = ioredisStore({ client, prefix: settings.prefix, timeoutMs: 10_000 })
// A day-long lease: only releases free slots, so the count below is the limit's doing alone.
const limiter = createRateLimiter({ store, algorithm: concurrency({ limit: settings.limit, leaseMs: '1d' }) })
const counter = `${settings.prefix}in-flight`
process.stdout.write('ready\n')
await next()

let most = 0
let done = 0
let denied = 0
async function holder(): Promise<void> {
  for (let round = 0; round < settings.rounds; ) {
    const decision = await limiter.limit('shared')
    if (!decision.allowed) {
      // Another holder (maybe in the other process) has every slot: try again after a turn.
      denied++
      await new Promise((resolve) => setTimeout(resolve, 1))
      continue
    }
    most = Math.max(most, await client.incr(counter))
    // Hold it across a round trip, so holders of both processes overlap.
    await client.ping()
    await client.decr(counter)
    await decision.release?.()
    round++
    done++
  }
}
await Promise.all(Array.from({ length: settings.holders }, holder))
process.stdout.write(`${JSON.stringify({ most, done, denied })}\n`)
await client.quit()
process.exit(0)
