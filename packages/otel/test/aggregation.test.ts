// Decisions and deny-cache hits are counted in-process and reported per collection: cumulative and delta sums stay exact.
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { ConfigError, createRateLimiter, fixedWindow, leakyBucket } from '@sluice/core'
import { createRateLimitCheck } from '@sluice/core/http'
import type { Store } from '@sluice/core/store'
import { memoryStore } from '@sluice/memory'
import { afterEach, describe, expect, it } from 'vitest'
import { instrumentLimiter, METRIC_NAMES } from '../src/index.ts'

const T0 = Date.UTC(2025, 0, 1, 12)
const providers: MeterProvider[] = []
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown()
})

function sdk(temporality: AggregationTemporality) {
  const exporter = new InMemoryMetricExporter(temporality)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  providers.push(meterProvider)
  return {
    meterProvider,
    /** `[attributes…, value]` of metric `name` at a fresh collection, one row per series. */
    async read(name: string, ...attributes: string[]): Promise<unknown[][]> {
      await reader.forceFlush()
      const last = exporter.getMetrics().at(-1)
      const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)
      const points = (metric?.dataPoints ?? []) as DataPoint<number>[]
      return points.map((p) => [...attributes.map((a) => p.attributes[a]), p.value])
    },
  }
}

/** The memory store without its synchronous path: the limiter treats it as a network store (deny cache on). */
function asyncMemoryStore(): Store {
  const store = memoryStore()
  return {
    name: 'async-memory',
    capabilities: store.capabilities,
    apply: (request) => store.apply(request),
    reset: (key, limits) => store.reset(key, limits),
  }
}

describe('instrumentLimiter counts in-process', () => {
  it('reports cumulative totals at every collection, one series per attribute set however many decisions', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.CUMULATIVE)
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 3, window: '1m', name: 'per-minute' }),
      clock: () => T0,
    })
    instrumentLimiter(limiter, { meterProvider })
    for (let i = 0; i < 5; i++) await limiter.limit(`user:${i % 2}`)
    expect(await read(METRIC_NAMES.decisions, 'sluice.outcome')).toEqual([['allowed', 5]])
    // user:0 has used its 3: four more calls, all denied; user:1 has one left.
    for (let i = 0; i < 4; i++) await limiter.limit('user:0')
    await limiter.limit('user:1')
    expect(await read(METRIC_NAMES.decisions, 'sluice.outcome')).toEqual([
      ['allowed', 6],
      ['denied', 4],
    ])
  })

  it('reports what happened since the last collection under delta temporality', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.DELTA)
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m' }),
      clock: () => T0,
    })
    instrumentLimiter(limiter, { meterProvider })
    for (let i = 0; i < 3; i++) await limiter.limit('k')
    expect(await read(METRIC_NAMES.decisions, 'sluice.outcome')).toEqual([
      ['allowed', 2],
      ['denied', 1],
    ])
    for (let i = 0; i < 4; i++) await limiter.limit('k')
    const rows = await read(METRIC_NAMES.decisions, 'sluice.outcome')
    expect(rows.filter(([, n]) => n !== 0)).toEqual([['denied', 4]])
  })

  it('counts deny-cache hits by policy, and the decisions they answered as deny_cache', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.CUMULATIVE)
    const limiter = createRateLimiter({
      store: asyncMemoryStore(),
      algorithm: fixedWindow({ limit: 1, window: '1m', name: 'one' }),
      prefix: 'api',
      clock: () => T0,
    })
    instrumentLimiter(limiter, { meterProvider })
    // Admitted, denied by the store (and remembered), then twice denied by the cache.
    for (let i = 0; i < 4; i++) await limiter.limit('k')
    expect(await read(METRIC_NAMES.denyCacheHits, 'sluice.limiter', 'sluice.policy')).toEqual([
      ['api', 'one', 2],
    ])
    expect(await read(METRIC_NAMES.decisions, 'sluice.outcome', 'sluice.deny_cache')).toEqual([
      ['allowed', undefined, 1],
      ['denied', undefined, 1],
      ['denied', true, 2],
    ])
    await limiter.close()
  })

  it('tells shaped admissions (delayed) from immediate ones, and limiters apart', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.CUMULATIVE)
    const make = (prefix: string) =>
      createRateLimiter({
        store: memoryStore(),
        algorithm: leakyBucket({ capacity: 3, leakRate: 1, leakInterval: '1s', name: 'shaped' }),
        prefix,
        clock: () => T0,
      })
    const a = make('a')
    const b = make('b')
    instrumentLimiter(a, { meterProvider })
    instrumentLimiter(b, { meterProvider })
    // A leaky bucket admits one now and the next ones after their turn: delayMs > 0.
    const delays: number[] = []
    for (let i = 0; i < 3; i++) delays.push((await a.limit('k')).delayMs)
    await b.limit('k')
    expect(delays.filter((d) => d > 0)).toHaveLength(2)
    expect(
      await read(METRIC_NAMES.decisions, 'sluice.limiter', 'sluice.algorithm', 'sluice.outcome'),
    ).toEqual([
      ['a', 'leakyBucket', 'allowed', 1],
      ['a', 'leakyBucket', 'delayed', 2],
      ['b', 'leakyBucket', 'allowed', 1],
    ])
  })

  it('reads the requests parked for shaping as a gauge at each collection', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.CUMULATIVE)
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: leakyBucket({ capacity: 3, leakRate: 1, leakInterval: '10s' }),
      prefix: 'shaped',
      clock: () => T0,
    })
    instrumentLimiter(limiter, { meterProvider })
    const { check } = createRateLimitCheck(
      { limiter, maxDelayMs: '1m' },
      { factory: 'rateLimit', clientAddress: (req: { ip: string }) => req.ip, clientAddressSource: 'req.ip' },
    )
    expect(await read(METRIC_NAMES.shapingParked, 'sluice.limiter')).toEqual([['shaped', 0]])
    await check({ ip: '192.0.2.1' })
    // The next request waits 10 s for its turn (the clock stands still); it leaves instead.
    const controller = new AbortController()
    let parked!: () => void
    const waiting = new Promise<void>((resolve) => {
      parked = resolve
    })
    const outcome = check({ ip: '192.0.2.1' }, () => {
      parked()
      return controller.signal
    })
    await waiting
    expect(await read(METRIC_NAMES.shapingParked, 'sluice.limiter')).toEqual([['shaped', 1]])
    controller.abort()
    expect((await outcome).action).toBe('drop')
    expect(await read(METRIC_NAMES.shapingParked, 'sluice.limiter')).toEqual([['shaped', 0]])
  })

  it('records no store duration with storeDuration: false, and refuses a value that is not a boolean', async () => {
    const { meterProvider, read } = sdk(AggregationTemporality.CUMULATIVE)
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m' }),
    })
    instrumentLimiter(limiter, { meterProvider, storeDuration: false })
    await limiter.limit('k')
    expect(await read(METRIC_NAMES.decisions, 'sluice.outcome')).toEqual([['allowed', 1]])
    expect(await read(METRIC_NAMES.storeDuration)).toEqual([])
    expect(() =>
      instrumentLimiter(limiter, { meterProvider, storeDuration: 'no' as unknown as boolean }),
    ).toThrow(ConfigError)
  })
})
