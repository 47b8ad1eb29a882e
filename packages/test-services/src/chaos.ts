// The Redis stores' chaos scenarios, the same for every client: redis-server SIGKILLed under load
// and restarted (expectSigkillRecovery), a Cluster master SIGKILLed under load and replaced by its
// replica (expectFailoverRecovery). Every call settles by policy within timeoutMs, decisions come
// back from Redis, nothing leaks.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect } from 'vitest'
import type { RedisCluster } from './cluster.ts'
import { eventLoopLag } from './lag.ts'
import {
  type CallRecord,
  endedSince,
  type LoadedLimiter,
  sleep,
  startLoad,
  until,
  worstLatency,
} from './load.ts'
import type { RedisServer } from './redis.ts'

/** What "settles within timeoutMs" may overrun by, besides the event loop's measured lag. */
const MARGIN_MS = 250

export interface SigkillChaos {
  /** How the log lines name the client: `'ioredis'`, `'node-redis v6'`. */
  readonly label: string
  /** The server the limiter's client talks to: killed and restarted here. */
  readonly server: RedisServer
  /**
   * The limiter under test, on its store with deadline `timeoutMs`, `onStoreError: 'deny'`, and an
   * algorithm that admits at most `limit` per key during the test (a bucket refilled once an hour,
   * not a fixed window: a window boundary would give every key a fresh limit).
   */
  readonly limiter: LoadedLimiter & { close(): Promise<void> }
  /** Closes the limiter's store (never its client). */
  readonly closeStore: () => Promise<void>
  readonly timeoutMs: number
  readonly limit: number
  /** Back on Redis this soon after it answers PING (the client's reconnect delay, the breaker's cool-down, a call), besides lag. */
  readonly recoveryMs: number
}

// A full collection before each heap reading, so the figures are live memory, not garbage.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const liveHeap = () => {
  gc()
  return process.memoryUsage().heapUsed
}

/** Runs the scenario and asserts on every call it made (in a vitest test). */
export async function expectSigkillRecovery(chaos: SigkillChaos): Promise<void> {
  const { server, limiter, timeoutMs } = chaos
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    // Heap before the load and after it (a full GC would stall calls in flight): nothing may be left behind.
    const heapBefore = liveHeap()
    const lag = eventLoopLag()
    const load = startLoad(limiter, { workers: 32, keys: 50 })
    await until(() => load.records.length > 500, 10_000)

    const killedAt = performance.now()
    // The lag from the kill to the restart bounds when outage calls must be degraded: measured apart,
    // and the restart waits for one such call, so a loop stalled for a second still leaves some.
    const outageLag = eventLoopLag()
    server.kill('SIGKILL')
    await sleep(1500)
    let outageLagMs = 0
    await until(() => {
      outageLagMs = outageLag.maxMs()
      return endedSince(load.records, killedAt + timeoutMs + MARGIN_MS + outageLagMs)
    }, 30_000)
    outageLag.stop()
    const restartAt = performance.now()

    await server.restart()
    const upAt = performance.now()
    // Decisions come from Redis again once a call started after the restart is not degraded.
    await until(() => load.records.some((r) => r.start >= upAt && r.degraded === undefined), 5000)
    // Then a second of calls past the recovery bound (checked below: all decided by Redis).
    await until(() => performance.now() > upAt + chaos.recoveryMs + lag.maxMs() + 1000, 60_000)
    await load.stop()
    lag.stop()
    await limiter.close()
    await chaos.closeStore()

    // Checked in a function of its own, so nothing it filters out of the records outlives it.
    checkRecords(chaos, load.records, { killedAt, restartAt, upAt, lagMs: lag.maxMs(), outageLagMs })
    // Let abandoned commands settle, then require that none went unhandled.
    await sleep(50)
    expect(unhandled).toEqual([])
    // Memory stable: once the test's own records are dropped, the live heap is back where it started.
    load.records.length = 0
    const heapAfter = liveHeap()
    console.info(
      `[chaos sigkill, ${chaos.label}] live heap before the load ${mb(heapBefore)} MB, after the outage ${mb(heapAfter)} MB`,
    )
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024)
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
}

/** Every expectation on the calls of one run: settled by policy, on time, back on Redis, none wrong. */
function checkRecords(
  { label, timeoutMs, limit, recoveryMs }: SigkillChaos,
  records: readonly CallRecord[],
  times: { killedAt: number; restartAt: number; upAt: number; lagMs: number; outageLagMs: number },
): void {
  const { killedAt, restartAt, upAt, lagMs, outageLagMs } = times
  // Calls begun and ended while no server ran. One begun before the restart may end after it,
  // decided by the fresh server (a breaker probe the client held while reconnecting, sent on
  // reconnection): the store answering it is right, so it is no outage call.
  const outage = records.filter(
    (r) => r.start > killedAt + timeoutMs + MARGIN_MS + outageLagMs && r.end < restartAt,
  )
  const backAt = records
    .filter((r) => r.start >= upAt && r.degraded === undefined)
    .reduce((first, r) => Math.min(first, r.end), Number.POSITIVE_INFINITY)
  const byPhase = (from: number, to: number) => records.filter((r) => r.start >= from && r.start < to)
  const before = byPhase(0, killedAt)
  const after = byPhase(upAt + recoveryMs + lagMs, Number.POSITIVE_INFINITY)
  const rejected = records.filter((r) => r.degraded === 'rejected')
  console.info(
    `[chaos sigkill, ${label}] calls ${records.length}; worst latency ${worstLatency(records)} ms (timeoutMs ${timeoutMs}); ` +
      `outage calls ${outage.length}, all degraded: ${outage.every((r) => r.degraded !== undefined)}; ` +
      `reasons ${JSON.stringify(countBy(outage, (r) => r.degraded ?? 'store'))}; ` +
      `back on Redis ${Math.round(backAt - upAt)} ms after it answered PING; event loop lag up to ${lagMs} ms`,
  )

  expect(rejected.map((r) => String(r.error))).toEqual([])
  expect(worstLatency(records)).toBeLessThan(timeoutMs + MARGIN_MS + lagMs)
  // By policy: while Redis is down every answer is a degraded denial, none admitted.
  expect(outage.length).toBeGreaterThan(0)
  expect(outage.every((r) => r.degraded !== undefined && !r.allowed)).toBe(true)
  expect(backAt - upAt).toBeLessThan(recoveryMs + lagMs)
  expect(after.length).toBeGreaterThan(0)
  expect(after.every((r) => r.degraded === undefined)).toBe(true)
  // No wrong decision from Redis: no key admitted past its limit, before the kill or after the restart
  // (the restarted server starts empty: no persistence).
  for (const phase of [before, byPhase(upAt, Number.POSITIVE_INFINITY)]) {
    const admitted = countBy(
      phase.filter((r) => r.allowed && r.degraded === undefined),
      (r) => r.key,
    )
    for (const count of Object.values(admitted)) expect(count).toBeLessThanOrEqual(limit)
  }
}

export interface FailoverChaos {
  /** How the log lines name the client and the run: `'node-redis v6, with breaker'`. */
  readonly label: string
  /** The Cluster (one replica per master) whose master `master` is killed here. */
  readonly cluster: RedisCluster
  readonly master: number
  /** The limiter under test, on its store with deadline `timeoutMs` and `onStoreError: 'allow'`. */
  readonly limiter: LoadedLimiter & { close(): Promise<void> }
  /** Closes the limiter's store (never its client). */
  readonly closeStore: () => Promise<void>
  readonly timeoutMs: number
}

/** A failover loads this 2-core machine (6 nodes electing, slot refreshes): a wider margin than elsewhere. */
const FAILOVER_MARGIN_MS = 400

/** Runs the failover scenario and asserts on every call it made (in a vitest test). */
export async function expectFailoverRecovery(chaos: FailoverChaos): Promise<void> {
  const { limiter, timeoutMs } = chaos
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const lag = eventLoopLag()
    const load = startLoad(limiter, { workers: 32, keys: 300 })
    await until(() => load.records.length > 500, 10_000)

    const master = chaos.cluster.servers[chaos.master]
    if (master === undefined) throw new Error(`no master ${chaos.master} to kill`)
    const killedAt = performance.now()
    master.kill('SIGKILL')
    // Failover: replicas notice after cluster-node-timeout (2 s here) and elect a new master; on a
    // machine loaded by the rest of the suite the election and the client's new slot map take longer.
    await until(
      () => {
        const recent = load.records.filter((r) => r.start > performance.now() - 1000)
        const degraded = load.records.filter((r) => r.start > killedAt && r.degraded !== undefined)
        return degraded.length > 0 && recent.length > 100 && recent.every((r) => r.degraded === undefined)
      },
      45_000,
      50,
    )
    await sleep(500)
    await load.stop()
    lag.stop()
    await limiter.close()
    await chaos.closeStore()

    const records = load.records
    const degraded = records.filter((r) => r.degraded !== undefined)
    const lastDegradedEnd = degraded.reduce((last, r) => Math.max(last, r.end), Number.NEGATIVE_INFINITY)
    const firstDegradedEnd = degraded.reduce((first, r) => Math.min(first, r.end), Number.POSITIVE_INFINITY)
    console.info(
      `[chaos cluster, ${chaos.label}] calls ${records.length}; worst latency ${worstLatency(records)} ms (timeoutMs ${timeoutMs}, event loop lag up to ${lag.maxMs()} ms); ` +
        `degraded calls ${degraded.length} ${JSON.stringify(countBy(degraded, (r) => r.degraded as string))} from ${Math.round(firstDegradedEnd - killedAt)} ms ` +
        `to ${Math.round(lastDegradedEnd - killedAt)} ms after the kill`,
    )
    expect(unhandled).toEqual([])
    expect(records.filter((r) => r.degraded === 'rejected')).toEqual([])
    expect(worstLatency(records)).toBeLessThan(timeoutMs + FAILOVER_MARGIN_MS + lag.maxMs())
    // Fail open by policy: every call admitted, the degraded ones flagged.
    expect(records.every((r) => r.allowed)).toBe(true)
    expect(degraded.length).toBeGreaterThan(0)
    const tail = records.filter((r) => r.start > lastDegradedEnd)
    expect(tail.length).toBeGreaterThan(100)
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
}

function countBy(records: readonly CallRecord[], by: (r: CallRecord) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of records) out[by(r)] = (out[by(r)] ?? 0) + 1
  return out
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
