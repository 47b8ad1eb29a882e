// One limiter's event stream: listeners by name plus the process-wide diagnostics channels, and the
// one check (`wants`) that keeps the hot path free of work when nobody listens.
import { ConfigError } from '../errors.ts'
import { show } from '../validate.ts'
import { Listeners } from './listeners.ts'
import { type ChannelLike, diagnosticsChannel } from './runtime.ts'
import {
  LIMITER_EVENT_NAMES,
  type LimiterEventMap,
  type LimiterEventName,
  type LimiterEvents,
} from './types.ts'

/**
 * Whether events and logs show the caller's key: `false` (the default) never; `true` as given; or a
 * function that turns it into what may be shown (a hash, a truncation).
 */
export type ExposeKey = boolean | ((key: string) => string)

/** The channel of each event: `sluice:decision`, `sluice:storeError`, … (see docs/observability.md). */
export function channelName(name: LimiterEventName): string {
  return `sluice:${name}`
}

let channels: Readonly<Record<LimiterEventName, ChannelLike | undefined>> | undefined

/** The diagnostics channels, looked up once per process, the first time a limiter is made. */
function sharedChannels(): Readonly<Record<LimiterEventName, ChannelLike | undefined>> {
  if (channels === undefined) {
    const found = {} as Record<LimiterEventName, ChannelLike | undefined>
    for (const name of LIMITER_EVENT_NAMES) found[name] = diagnosticsChannel(channelName(name))
    channels = found
  }
  return channels
}

/**
 * The event stream of one limiter. Emitting sites ask `wants(name)` first and build an event only
 * when it is true: with no listener and no channel subscriber, a call costs one array length and
 * one `hasSubscribers` read per event name.
 */
export class EventHub implements LimiterEvents {
  readonly #listeners = new Listeners<LimiterEventMap>(LIMITER_EVENT_NAMES, 'event')
  readonly #channels = sharedChannels()
  readonly #expose: ExposeKey
  #parked = 0
  /** Where a throwing listener's error goes (the limiter's logger, else console.error). */
  onListenerError: (error: unknown, name: LimiterEventName) => void = defaultListenerError

  constructor(
    /** The limiter's prefix: every event names it. */
    readonly limiter: string,
    /** The start of this limiter's limiter keys (`keyPrefix(limiter)`), to recover a caller's key. */
    readonly start: string,
    exposeKey: unknown,
    factory = 'createRateLimiter',
  ) {
    this.#expose = checkExposeKey(exposeKey, factory)
  }

  on<K extends LimiterEventName>(name: K, listener: (event: LimiterEventMap[K]) => void): () => void {
    this.#listeners.on(name, listener)
    return () => this.off(name, listener)
  }

  off<K extends LimiterEventName>(name: K, listener: (event: LimiterEventMap[K]) => void): void {
    this.#listeners.off(name, listener)
  }

  listenerCount(name: LimiterEventName): number {
    return this.#listeners.count(name)
  }

  get parked(): number {
    return this.#parked
  }

  /** A binding holds one more request for its shaping delay (core/http's check; see `parked`). */
  park(): void {
    this.#parked++
  }

  /** That request's wait ended, however it ended. */
  unpark(): void {
    this.#parked--
  }

  /** Hands a listener's error to `onListenerError`; a handler that throws too is dropped. */
  reportListenerError(error: unknown, name: LimiterEventName): void {
    try {
      this.onListenerError(error, name)
    } catch {
      // Nowhere left to report it (the logger itself failed): the decision must stand regardless.
    }
  }

  /** True when an event `name` would reach anyone: build it only then. */
  wants(name: LimiterEventName): boolean {
    return this.#listeners.of(name).length > 0 || this.#channels[name]?.hasSubscribers === true
  }

  /** Delivers `event` to this stream's listeners, then to the `sluice:<name>` diagnostics channel. */
  emit<K extends LimiterEventName>(name: K, event: LimiterEventMap[K]): void {
    const list = this.#listeners.of(name)
    for (let i = 0; i < list.length; i++) {
      try {
        ;(list[i] as (event: LimiterEventMap[K]) => void)(event)
      } catch (error) {
        // A listener is observability: it must never turn into a failed or changed decision.
        this.reportListenerError(error, name)
      }
    }
    const channel = this.#channels[name]
    if (channel?.hasSubscribers === true) channel.publish(event)
  }

  /** A caller's key as events may show it: `undefined` unless `exposeKey` allows it. */
  showKey(key: string): string | undefined {
    const expose = this.#expose
    if (expose === false) return undefined
    if (expose === true) return key
    try {
      return expose(key)
    } catch {
      // A function that cannot show this key shows none: never the raw key by accident.
      return undefined
    }
  }

  /** The caller's part of a limiter key (for a rules limiter, its domain). */
  userKey(limiterKey: string): string {
    return limiterKey.startsWith(this.start) ? limiterKey.slice(this.start.length) : limiterKey
  }

  /** True when keys are shown at all (so callers skip building a key's text otherwise). */
  get exposesKeys(): boolean {
    return this.#expose !== false
  }
}

const hubs = new WeakMap<object, EventHub>()

/** Remembers `limiter`'s hub, so `watchRules(path, limiter)` can report a file it refused. */
export function registerHub<L extends object>(limiter: L, hub: EventHub): L {
  hubs.set(limiter, hub)
  return limiter
}

/** The hub of a limiter made by `createRateLimiter`, if `target` is one. */
export function hubOf(target: unknown): EventHub | undefined {
  return typeof target === 'object' && target !== null ? hubs.get(target) : undefined
}

function checkExposeKey(value: unknown, factory: string): ExposeKey {
  if (value === undefined) return false
  if (typeof value === 'boolean' || typeof value === 'function') return value as ExposeKey
  throw new ConfigError(
    `${factory}: exposeKey must be true, false or a function (key) => string that returns what may be shown, got ${show(value)}`,
  )
}

function defaultListenerError(error: unknown, name: LimiterEventName): void {
  ;(globalThis as { console?: { error?: (...args: unknown[]) => void } }).console?.error?.(
    `sluice: a '${name}' event listener threw; the decision is unchanged`,
    error,
  )
}
