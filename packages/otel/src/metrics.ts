// instrumentLimiter: a sluice limiter's events as OpenTelemetry metrics, by policy and outcome, never by key.
import {
  type Attributes,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api'
import { ConfigError, type LimiterEvents } from '@sluice/core'
import { DecisionCounts, PairCounts } from './decisionCounts.ts'

/** Options of {@link instrumentLimiter}. */
export interface InstrumentOptions {
  /** The meter to record with. Default: `meterProvider`'s, else the global provider's, named `@sluice/otel`. */
  readonly meter?: Meter
  /** Where to get the meter when `meter` is not given. Default: the global `metrics` API. */
  readonly meterProvider?: MeterProvider
  /**
   * Record `sluice.store.duration`. Default `true`. `false` skips the histogram: on an in-process
   * store its values say little, and the SDK's work per `record` (it hashes the attributes of each
   * measurement) is most of what instrumenting such a limiter costs. An OpenTelemetry View that drops
   * the instrument hides the series but still pays that work.
   */
  readonly storeDuration?: boolean
}

/** The instruments, by name: see docs/observability.md for attributes and when each is recorded. */
export const METRIC_NAMES = Object.freeze({
  decisions: 'sluice.decisions',
  storeDuration: 'sluice.store.duration',
  storeErrors: 'sluice.store.errors',
  breakerOpen: 'sluice.breaker.open',
  denyCacheHits: 'sluice.deny_cache.hits',
  rulesReloads: 'sluice.rules.reloads',
  shapingParked: 'sluice.shaping.parked',
})

/** Store round trips are ms to a few hundred ms: buckets in seconds, as OpenTelemetry durations are. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

/**
 * Records `limiter`'s events as OpenTelemetry metrics. Attributes are the limiter's prefix
 * (`sluice.limiter`), the policy name (`sluice.policy`), the algorithm, the outcome and the store:
 * values from configuration, never from requests, so cardinality stays bounded (a rules limiter's
 * policies are its rule names). Returns a function that stops recording.
 *
 * @example
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: gcra({ rate: 100, period: '1m' }) })
 * const stop = instrumentLimiter(limiter) // the global MeterProvider, set up by your OTel SDK
 * // on shutdown: stop()
 */
export function instrumentLimiter(
  limiter: { readonly events: LimiterEvents },
  options: InstrumentOptions = {},
): () => void {
  const meter = options.meter ?? (options.meterProvider ?? metrics).getMeter('@sluice/otel')
  // Counted in-process and reported at each collection (see DecisionCounts): the SDK's per-call
  // attribute hashing would cost more than the decision itself.
  const decisions = meter.createObservableCounter(METRIC_NAMES.decisions, {
    description: 'Rate-limit decisions, by policy and outcome',
    unit: '{decision}',
  })
  const decisionCounts = new DecisionCounts()
  const observeDecisions = (result: ObservableResult) => decisionCounts.observe(result)
  decisions.addCallback(observeDecisions)
  const recordDuration = checkStoreDuration(options.storeDuration)
  const storeDuration = meter.createHistogram(METRIC_NAMES.storeDuration, {
    description: 'Time the store took to decide (its round trip, for a network store)',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  })
  const storeErrors = meter.createCounter(METRIC_NAMES.storeErrors, {
    description: 'Store calls that failed or timed out',
    unit: '{error}',
  })
  const denyCacheHits = meter.createObservableCounter(METRIC_NAMES.denyCacheHits, {
    description: 'Denials answered by the in-process deny cache, without a store round trip',
    unit: '{decision}',
  })
  const hitCounts = new PairCounts((limiter, policy) => ({
    'sluice.limiter': limiter,
    'sluice.policy': policy,
  }))
  const observeHits = (result: ObservableResult) => hitCounts.observe(result)
  denyCacheHits.addCallback(observeHits)
  const rulesReloads = meter.createCounter(METRIC_NAMES.rulesReloads, {
    description: 'Rule sets put in force or refused',
    unit: '{reload}',
  })
  const breakerOpen = meter.createObservableGauge(METRIC_NAMES.breakerOpen, {
    description: "1 while the limiter's circuit breaker is open (its store is not called), else 0",
    unit: '1',
  })
  // The histogram's attributes, one object per limiter and operation rather than one per decision.
  const durations = new Map<string, Record<'limit' | 'peek', Attributes>>()
  const durationAttributes = (limiter: string, operation: 'limit' | 'peek'): Attributes => {
    let byOperation = durations.get(limiter)
    if (byOperation === undefined) {
      byOperation = {
        limit: { 'sluice.limiter': limiter, 'sluice.operation': 'limit' },
        peek: { 'sluice.limiter': limiter, 'sluice.operation': 'peek' },
      }
      durations.set(limiter, byOperation)
    }
    return byOperation[operation]
  }
  // The breaker's state per store, as its open and close events left it.
  const breakers = new Map<string, { limiter: string; open: number }>()
  const observe = (result: ObservableResult) => {
    for (const [store, b] of breakers) {
      result.observe(b.open, { 'sluice.limiter': b.limiter, 'sluice.store': store })
    }
  }
  breakerOpen.addCallback(observe)

  const { events } = limiter
  const parked = meter.createObservableGauge(METRIC_NAMES.shapingParked, {
    description: 'Requests the HTTP bindings hold while they wait their shaping turn (leaky bucket delayMs)',
    unit: '{request}',
  })
  // Read at collection time: the bindings only count, they emit nothing per request.
  const parkedAttributes = { 'sluice.limiter': events.limiter }
  const observeParked = (result: ObservableResult) => result.observe(events.parked, parkedAttributes)
  parked.addCallback(observeParked)
  const offs = [
    events.on('decision', (e) => {
      decisionCounts.count(e)
      if (recordDuration && e.storeLatencyMs !== undefined) {
        storeDuration.record(e.storeLatencyMs / 1000, durationAttributes(e.limiter, e.operation))
      }
    }),
    events.on('storeError', (e) => {
      storeErrors.add(1, { 'sluice.limiter': e.limiter, 'sluice.store': e.store, 'error.type': e.reason })
    }),
    events.on('breakerOpen', (e) => breakers.set(e.store, { limiter: e.limiter, open: 1 })),
    events.on('breakerClose', (e) => breakers.set(e.store, { limiter: e.limiter, open: 0 })),
    events.on('denyCacheHit', (e) => hitCounts.count(e.limiter, e.policy)),
    events.on('rulesReloaded', (e) => {
      rulesReloads.add(1, { 'sluice.limiter': e.limiter, 'sluice.outcome': 'reloaded' })
    }),
    events.on('rulesRejected', (e) => {
      rulesReloads.add(1, { 'sluice.limiter': e.limiter, 'sluice.outcome': 'rejected' })
    }),
  ]
  return () => {
    for (const off of offs) off()
    breakerOpen.removeCallback(observe)
    decisions.removeCallback(observeDecisions)
    denyCacheHits.removeCallback(observeHits)
    parked.removeCallback(observeParked)
  }
}

function checkStoreDuration(value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value === 'boolean') return value
  throw new ConfigError(`instrumentLimiter: storeDuration must be true or false, got ${String(value)}`)
}
