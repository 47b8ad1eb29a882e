// The observability options every limiter takes: `logger` and `exposeKey`.
import type { ExposeKey } from './hub.ts'
import type { Logger } from './logger.ts'

/** What a limiter tells about itself: its logger, and whether events and logs show keys. */
export interface ObservabilityOptions {
  /**
   * A structured logger (pino, console, …) that sees this limiter's events at the levels it has
   * enabled: store faults and an opening breaker at `warn`, rule reloads and a closing breaker at
   * `info`, refused rule sets at `error`, each decision explained at `debug`. See `Logger`.
   */
  readonly logger?: Logger
  /**
   * Whether events (`limiter.events`, diagnostics channels) and logs show the caller's key: `false`
   * (default) never, since keys are often user ids, e-mail addresses or IP addresses; `true` as
   * given; or a function returning what may be shown, such as a hash.
   */
  readonly exposeKey?: ExposeKey
}
