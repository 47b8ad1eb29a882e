// instrumentLimiter, read back through the OpenTelemetry SDK's in-memory exporter.
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { createRateLimiter, fixedWindow, parseRules } from '@sluice/core'
import type { Store } from '@sluice/core/store'
import { memoryStore } from '@sluice/memory'
import { afterEach, describe, expect, it } from 'vitest'
import { instrumentLimiter, METRIC_NAMES } from '../src/index.ts'

const providers: MeterProvider[] = []
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown()
})

function sdk() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  // A long interval: the test collects by forceFlush, never on a timer.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  providers.push(meterProvider)
  return {
    meterProvider,
    /** Every data point of metric `name` at the latest collection. */
    async read(name: string): Promise<DataPoint<unknown>[]> {
      await reader.forceFlush()
      const last = exporter.getMetrics().at(-1)
      const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)
      return (metric?.dataPoints ?? []) as DataPoint<unknown>[]
    },
    async all(): Promise<string> {
      await reader.forceFlush()
      return JSON.stringify(exporter.getMetrics())
    },
  }
}

/** A store whose every call fails: the fault path a real server cannot produce on demand. */
function deadStore(): Store {
  return {
    name: 'dead',
    capabilities: memoryStore().capabilities,
    apply: () => Promise.reject(new Error('connection refused')),
    reset: () => Promise.resolve(),
  }
}

describe('instrumentLimiter', () => {
  it('counts decisions by limiter, policy, algorithm and outcome, and records store latency in seconds', async () => {
    const { meterProvider, read, all } = sdk()
    const limiter = createRateLimiter({
      store: memoryStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m', name: 'per-minute' }),
      prefix: 'api',
      clock: () => 0,
    })
    instrumentLimiter(limiter, { meterProvider })
    for (let i = 0; i < 3; i++) await limiter.limit('user:42')
    await limiter.peek('user:42')
    const points = await read(METRIC_NAMES.decisions)
    const count = (outcome: string, operation = 'limit') =>
      points.find(
        (p) => p.attributes['sluice.outcome'] === outcome && p.attributes['sluice.operation'] === operation,
      )?.value
    expect(count('allowed')).toBe(2)
    expect(count('denied')).toBe(1)
    expect(count('allowed', 'peek')).toBe(1)
    expect(points[0]?.attributes).toMatchObject({
      'sluice.limiter': 'api',
      'sluice.policy': 'per-minute',
      'sluice.algorithm': 'fixedWindow',
    })
    const latency = (await read(METRIC_NAMES.storeDuration)) as DataPoint<Histogram>[]
    const histogramCount = latency.reduce((n, p) => n + p.value.count, 0)
    expect(histogramCount).toBe(4)
    expect(latency.every((p) => (p.value.min ?? 0) >= 0 && (p.value.max ?? 0) < 60)).toBe(true)
    // Cardinality-safe: the key is in no attribute.
    expect(await all()).not.toContain('user:42')
  })

  it('counts store errors, shows the breaker open as a gauge, and the store-error decisions as degraded', async () => {
    const { meterProvider, read } = sdk()
    const limiter = createRateLimiter({
      store: deadStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m' }),
      onStoreError: 'allow',
      circuitBreaker: { failures: 2, coolDownMs: 60_000 },
    })
    instrumentLimiter(limiter, { meterProvider })
    for (let i = 0; i < 3; i++) await limiter.limit('k')
    const errors = await read(METRIC_NAMES.storeErrors)
    expect(errors.map((p) => [p.attributes['error.type'], p.attributes['sluice.store'], p.value])).toEqual([
      ['store-error', 'dead', 2],
    ])
    const breaker = await read(METRIC_NAMES.breakerOpen)
    expect(breaker.map((p) => [p.attributes['sluice.store'], p.value])).toEqual([['dead', 1]])
    const decisions = await read(METRIC_NAMES.decisions)
    const degraded = decisions.map((p) => [p.attributes['sluice.degraded'], p.value])
    expect(degraded).toEqual([
      ['store-error', 2],
      ['circuit-open', 1],
    ])
    expect(await read(METRIC_NAMES.storeDuration)).toEqual([])
    await limiter.close()
  })

  it('counts rule reloads by outcome, and stops recording when stopped', async () => {
    const { meterProvider, read } = sdk()
    const rules = parseRules({
      domain: 'api',
      descriptors: [{ key: 'route', rate_limit: { unit: 'minute', requests_per_unit: 1 } }],
    })
    const limiter = createRateLimiter({ store: memoryStore(), rules })
    const stop = instrumentLimiter(limiter, { meterProvider })
    limiter.setRules(rules)
    expect(() => limiter.setRules({ domain: '' })).toThrow()
    const reloads = await read(METRIC_NAMES.rulesReloads)
    expect(reloads.map((p) => [p.attributes['sluice.outcome'], p.value])).toEqual([
      ['reloaded', 1],
      ['rejected', 1],
    ])
    stop()
    expect(limiter.events.listenerCount('decision')).toBe(0)
    await limiter.limit({ descriptors: [[{ key: 'route', value: '/a' }]] })
    expect(await read(METRIC_NAMES.decisions)).toEqual([])
  })
})
