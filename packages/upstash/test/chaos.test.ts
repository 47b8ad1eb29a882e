import { createRateLimiter, type RateLimiter, tokenBucket } from '@sluice/core'
import { startUpstashServer, type UpstashFault, type UpstashServer } from '@sluice/test-services'
import type {} from '@sluice/test-services/vitest'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix } from './support/clients.ts'

const TIMEOUT_MS = 500
/** The limiter's circuit breaker, as configured below (these are its defaults, stated here). */
const BREAKER = { failures: 5, coolDownMs: 500 }
/** What a timer or an answer may be late by on a loaded 2-core machine. */
const MARGIN_MS = 500
/**
 * How long after the server serves again a call may still be answered by policy: a call in
 * flight when the fault ends fails at its deadline (a hanging request is never answered), which
 * opens the circuit for its cool-down; the probe after that reaches the server.
 */
const RECOVERY_MS = TIMEOUT_MS + BREAKER.coolDownMs + MARGIN_MS
/** How long the fault lasts: past the first deadlines, with room for calls answered by policy. */
const FAULT_MS = TIMEOUT_MS + MARGIN_MS + 1000
const LIMIT = 40

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
let server: UpstashServer
beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  // A server of our own: its faults must not reach other tests.
  server = await startUpstashServer({ redisUrl: inject('redisUrl') })
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await server.stop()
})

interface CallRecord {
  readonly key: string
  readonly start: number
  readonly end: number
  readonly allowed: boolean
  readonly degraded: string | undefined
  readonly error?: string
}

/** `workers` calls in flight until `stop()`; a rejection is recorded as 'rejected'. */
function startLoad(limiter: RateLimiter, workers: number) {
  const records: CallRecord[] = []
  let running = true
  const worker = async (w: number) => {
    for (let i = w; running; i++) {
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve))
      const key = `k${i % 40}`
      const start = performance.now()
      const d = await limiter.limit(key).catch(() => undefined)
      records.push({
        key,
        start,
        end: performance.now(),
        allowed: d?.allowed ?? false,
        degraded: d === undefined ? 'rejected' : d.degraded?.reason,
        error: d?.degraded?.error.message,
      })
      if (d === undefined) await new Promise((resolve) => setTimeout(resolve, 1))
    }
  }
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
  return {
    records,
    stop: async () => {
      running = false
      await done
    },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it.each(['5xx', 'hang', 'close'] as UpstashFault[])(
  'the Upstash server %s under load: every call settles by policy within timeoutMs, and decisions return within a deadline and a cool-down of it serving again',
  async (fault) => {
    // retry: false, so the deadline is the store's alone (the client retries 5 times by default).
    const client = new Redis({
      url: server.url,
      token: server.token,
      retry: false,
      enableAutoPipelining: false,
    })
    const store = upstashStore({ client, timeoutMs: TIMEOUT_MS, prefix: randomPrefix(`chaos-${fault}`) })
    const limiter = createRateLimiter({
      store,
      // A bucket refilled once an hour, not a fixed window: a window boundary during the test would
      // give every key a fresh limit (whenever the test runs, no key may pass LIMIT).
      algorithm: tokenBucket({ capacity: LIMIT, refillRate: 1, refillInterval: '1h' }),
      onStoreError: 'deny',
      circuitBreaker: BREAKER,
    })
    const load = startLoad(limiter, 6)
    await sleep(400)
    const faultAt = performance.now()
    server.setFault(fault)
    await sleep(FAULT_MS)
    server.setFault('none')
    const upAt = performance.now()
    await sleep(RECOVERY_MS + 800)
    await load.stop()
    await limiter.close()
    await store.close?.()

    const records = load.records
    const worst = Math.ceil(records.reduce((w, r) => Math.max(w, r.end - r.start), 0))
    const during = records.filter((r) => r.start > faultAt + TIMEOUT_MS + MARGIN_MS && r.end < upAt)
    // A loop, not Math.min(...records): a fast machine makes more records than the stack holds.
    const backAt = records.reduce(
      (first, r) => (r.start >= upAt && r.degraded === undefined ? Math.min(first, r.end) : first),
      Number.POSITIVE_INFINITY,
    )
    const after = records.filter((r) => r.start >= upAt + RECOVERY_MS)
    const reasons: Record<string, number> = {}
    for (const r of during) reasons[r.degraded ?? 'store'] = (reasons[r.degraded ?? 'store'] ?? 0) + 1
    console.info(
      `[chaos upstash ${fault}] calls ${records.length}; worst latency ${worst} ms (timeoutMs ${TIMEOUT_MS}); ` +
        `during the fault ${JSON.stringify(reasons)}; back on the store ${Math.round(backAt - upAt)} ms after the fault ended`,
    )
    expect(unhandled).toEqual([])
    expect(records.filter((r) => r.degraded === 'rejected')).toEqual([])
    expect(worst).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
    expect(during.length).toBeGreaterThan(0)
    expect(during.filter((r) => r.degraded === undefined || r.allowed)).toEqual([])
    expect(backAt - upAt).toBeLessThan(RECOVERY_MS)
    expect(after.length).toBeGreaterThan(0)
    expect(
      after
        .filter((r) => r.degraded !== undefined)
        .map((r) => `${r.degraded} +${Math.round(r.start - upAt)}ms`),
    ).toEqual([])
    // No key admitted past its limit by the store, fault or not.
    const admitted: Record<string, number> = {}
    for (const r of records)
      if (r.allowed && r.degraded === undefined) admitted[r.key] = (admitted[r.key] ?? 0) + 1
    for (const [key, count] of Object.entries(admitted)) expect(count, key).toBeLessThanOrEqual(LIMIT)
  },
  30_000,
)
