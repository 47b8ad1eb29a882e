// The `logger` option (pino, console, or anything with their methods) and NODE_DEBUG=sluice: both are
// listeners on the limiter's event stream, subscribed at construction only for the levels enabled.
import { ConfigError } from '../errors.ts'
import { show } from '../validate.ts'
import { explainDecision } from './explain.ts'
import { createExplainer } from './explainer.ts'
import type { EventHub } from './hub.ts'
import { debugLog } from './runtime.ts'
import type { LimiterEventMap, LimiterEventName } from './types.ts'

type LogMethod = (object: Record<string, unknown>, message?: string) => void

/**
 * A structured logger: pino, bunyan, `console`, or any object with some of these methods. Each
 * is called pino's way, `(fields, message)`. The level is read once, when the limiter is created:
 * from `isLevelEnabled(level)` (pino, winston), else from a `level` string, else `'info'` (so
 * `console` logs store faults, breaker changes and rule reloads, not every decision).
 */
export interface Logger {
  debug?: LogMethod
  info?: LogMethod
  warn?: LogMethod
  error?: LogMethod
  isLevelEnabled?(level: string): boolean
  level?: string | number
}

type Level = 'debug' | 'info' | 'warn' | 'error'

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/** The level of each event in a log, and its message. */
const LOGGED: { readonly [K in LimiterEventName]: readonly [Level, (e: LimiterEventMap[K]) => string] } = {
  decision: ['debug', (e) => explainDecision(e)],
  denyCacheHit: ['debug', (e) => `deny cache answered ${e.policy}: denied for ${e.retryAfterMs} ms more`],
  storeError: ['warn', (e) => `${e.store} store ${e.reason}: ${e.error.message}`],
  breakerOpen: [
    'warn',
    (e) => `circuit breaker open: the ${e.store} store is not called for ${e.retryAfterMs} ms, then probed`,
  ],
  breakerClose: ['info', (e) => `circuit breaker closed: the ${e.store} store answers again`],
  rulesReloaded: ['info', (e) => `rules of domain ${JSON.stringify(e.domain)} in force`],
  rulesRejected: [
    'error',
    (e) =>
      `rule set refused, the rules in force stay: ${e.error instanceof Error ? e.error.message : String(e.error)}`,
  ],
}

/** Checks the `logger` option at construction (`ConfigError` for anything that is not a logger). */
export function checkLogger(value: unknown, factory: string): Logger | undefined {
  if (value === undefined) return undefined
  const methods = ['debug', 'info', 'warn', 'error'] as const
  if (
    typeof value === 'object' &&
    value !== null &&
    methods.some((m) => typeof (value as Logger)[m] === 'function') &&
    methods.every((m) => (value as Logger)[m] === undefined || typeof (value as Logger)[m] === 'function')
  ) {
    return value as Logger
  }
  throw new ConfigError(
    `${factory}: logger must be an object with debug, info, warn and error methods (pino, console), got ${show(value)}`,
  )
}

/**
 * Subscribes `logger` to every event at a level it has enabled. A decision is logged at `debug`,
 * with the explanation (`explainDecision`) as the message; keys only as `exposeKey` allows. A
 * listener that throws is logged at `error`.
 */
export function attachLogger(hub: EventHub, logger: Logger): void {
  const enabled = levelCheck(logger)
  const explain = createExplainer()
  for (const name of Object.keys(LOGGED) as LimiterEventName[]) {
    const [level, logged] = LOGGED[name] as readonly [Level, (e: unknown) => string]
    const message = name === 'decision' ? (explain as (e: unknown) => string) : logged
    const method = logger[level]
    if (method === undefined || !enabled(level)) continue
    hub.on(name, (event) => {
      method.call(logger, fields(name, event), `sluice: ${message(event)}`)
    })
  }
  const error = logger.error
  if (error !== undefined && enabled('error')) {
    hub.onListenerError = (cause, name) =>
      error.call(
        logger,
        { event: name, limiter: hub.limiter, err: cause },
        `sluice: a '${name}' event listener threw; the decision is unchanged`,
      )
  }
}

/**
 * `NODE_DEBUG=sluice` (Node's `util.debuglog`): one line per event on stderr, each decision
 * explained. Off Node, or without the variable, nothing is subscribed.
 */
export function attachDebugLog(hub: EventHub): void {
  const log = debugLog('sluice')
  if (log === undefined || !log.enabled) return
  const explain = createExplainer()
  for (const name of Object.keys(LOGGED) as LimiterEventName[]) {
    const logged = (LOGGED[name] as readonly [Level, (e: unknown) => string])[1]
    const message = name === 'decision' ? (explain as (e: unknown) => string) : logged
    hub.on(name, (event) => log(`[${hub.limiter}] ${message(event)}`))
  }
}

function levelCheck(logger: Logger): (level: Level) => boolean {
  if (typeof logger.isLevelEnabled === 'function') {
    const isEnabled = logger.isLevelEnabled.bind(logger)
    return (level) => isEnabled(level)
  }
  const given = typeof logger.level === 'string' ? LEVELS.indexOf(logger.level) : -1
  const threshold = given >= 0 ? given : LEVELS.indexOf('info')
  return (level) => LEVELS.indexOf(level) >= threshold
}

/** The structured fields of an event: everything but the objects a log line should not carry whole. */
function fields(name: LimiterEventName, event: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { event: name }
  for (const [k, v] of Object.entries(event as Record<string, unknown>)) {
    if (k === 'decision' || k === 'limits' || k === 'rules' || v === undefined) continue
    out[k === 'error' ? 'err' : k] = v
  }
  return out
}
