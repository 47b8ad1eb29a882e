// The OTel contenders' set-up: @sluice/otel recording into the SDK, collected in memory.
import type { LimiterEvents } from '@sluice/core'

/** The label suffix of a contender that records OpenTelemetry metrics. */
export const WITH_OTEL = ' + OTel metrics'

/**
 * Loads the OTel SDK and @sluice/otel (only in the worker that runs such a contender) and returns
 * a function instrumenting a limiter on a MeterProvider whose reader exports to memory once an
 * hour: every decision is recorded (counter, histogram) as in production, and no export runs
 * during the timed slices.
 */
export async function otelInstrumenter(): Promise<(limiter: { readonly events: LimiterEvents }) => void> {
  const sdk = await import('@opentelemetry/sdk-metrics')
  const { instrumentLimiter } = await import('@sluice/otel')
  const exporter = new sdk.InMemoryMetricExporter(sdk.AggregationTemporality.CUMULATIVE)
  const reader = new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new sdk.MeterProvider({ readers: [reader] })
  return (limiter) => {
    instrumentLimiter(limiter, { meterProvider })
  }
}
