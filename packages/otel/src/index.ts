// @sluice/otel: OpenTelemetry metrics from a sluice limiter's events.

export { type InstrumentOptions, instrumentLimiter, METRIC_NAMES } from './metrics.ts'
