// How late this process's event loop ran during a test. A deadline fires no earlier than its timer
// and no later than the loop lets it, so on a loaded machine a bound on "settled within timeoutMs"
// is timeoutMs + a margin + the lag measured over the same stretch, not a fixed wall time.

import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface EventLoopLag {
  /** The longest the loop was held up since the monitor started, in whole ms (0 if never). */
  maxMs(): number
  stop(): void
}

/**
 * Starts measuring event-loop delay at a 10 ms resolution.
 *
 * @example
 * const lag = eventLoopLag()
 * // … the load …
 * expect(worst).toBeLessThan(TIMEOUT_MS + MARGIN_MS + lag.maxMs())
 */
export function eventLoopLag(): EventLoopLag {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  return {
    // The histogram counts nanoseconds; an idle loop reports its resolution, not lag.
    maxMs: () => Math.max(0, Math.ceil(histogram.max / 1e6) - 10),
    stop: () => histogram.disable(),
  }
}
