// The observed contenders' set-up: the same sluice limiter with nobody listening, one no-op listener, or @sluice/otel.
import type { LimiterEvents } from '@sluice/core'

/** Who listens to a contender's limiter: nobody, one no-op `decision` listener, or @sluice/otel. */
export type Observer = 'none' | 'noop' | 'otel'

/** In table order: the cost of observability is each row against the first. */
export const OBSERVERS: readonly Observer[] = ['none', 'noop', 'otel']

const SUFFIX: Record<Observer, string> = {
  none: '',
  noop: ' + 1 no-op decision listener',
  otel: ' + OTel metrics',
}

/** The contender's name: `sluice gcra`, `sluice gcra + 1 no-op decision listener`, `sluice gcra + OTel metrics`. */
export function observerLabel(base: string, observer: Observer): string {
  return base + SUFFIX[observer]
}

/** The names of `base`'s observed rows, in {@link OBSERVERS} order (the first has no listener). */
export function observedNames(base: string): string[] {
  return OBSERVERS.map((o) => observerLabel(base, o))
}

type Observe = (limiter: { readonly events: LimiterEvents }) => void

/**
 * What attaches `observer` to a limiter (undefined: nothing to attach). For OTel it loads the SDK
 * and @sluice/otel (only in the worker that runs such a contender) and instruments on a
 * MeterProvider whose reader exports to memory once an hour: every decision is recorded (counter,
 * histogram) as in production, and no export runs during the timed slices.
 */
export async function observerOf(observer: Observer): Promise<Observe | undefined> {
  if (observer === 'none') return undefined
  if (observer === 'noop') {
    // A listener that does nothing: what remains is sluice's own cost of building and delivering the event.
    return (limiter) => {
      limiter.events.on('decision', () => {})
    }
  }
  const sdk = await import('@opentelemetry/sdk-metrics')
  const { instrumentLimiter } = await import('@sluice/otel')
  const exporter = new sdk.InMemoryMetricExporter(sdk.AggregationTemporality.CUMULATIVE)
  const reader = new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new sdk.MeterProvider({ readers: [reader] })
  return (limiter) => {
    instrumentLimiter(limiter, { meterProvider })
  }
}
