// One binding's event stream: a `request` event per request outcome and a `refund` event per unit
// given back on the outcome, to listeners and the `sluice:binding:<name>` diagnostics channels.
import type { Decision } from '../decision.ts'
import { ConfigError } from '../errors.ts'
import { Listeners } from '../events/listeners.ts'
import { type ChannelLike, diagnosticsChannel } from '../events/runtime.ts'
import { show } from '../validate.ts'

/**
 * What the binding did with one request:
 * - `allow`: admitted, counted, the handler runs (`status` is the handler's to choose: `undefined`);
 * - `limit`: refused for the quota (429, or `statusCode`);
 * - `invalid`: the request's key, cost, address or descriptors were unusable (400);
 * - `skip`: `skip(req)` said so; nothing counted;
 * - `listed`: an allow list passed it (nothing counted) or a deny list refused it (403);
 * - `degraded`: the store was down and `onStoreError` answered (a pass without headers, or a 503);
 * - `drop`: the client left while waiting its shaping turn; nothing is sent.
 */
export type BindingRequestAction = 'allow' | 'limit' | 'invalid' | 'skip' | 'listed' | 'degraded' | 'drop'

/** What every binding event carries. */
export interface BindingEventBase {
  /** The binding: `'express'`, `'koa'`, `'hono'`, `'fastify'`, `'nestjs'`, `'fetch'`. */
  readonly binding: string
  /** The limiter's `prefix`, as its own events name it (`undefined` for a limiter without events). */
  readonly limiter: string | undefined
}

/** One request through the binding, emitted once its outcome is known (before it is sent). */
export interface BindingRequestEvent extends BindingEventBase {
  readonly action: BindingRequestAction
  /** The status the binding sends (429, 403, 503, 400); `undefined` when the handler answers. */
  readonly status: number | undefined
  /** The deciding policy (`decision.policy`); `undefined` without a decision. */
  readonly policy: string | undefined
  /**
   * The request's key as the limiter's `exposeKey` shows it; `undefined` unless the limiter was
   * created with `exposeKey`, for a rules limiter (descriptors, not a key) and without a decision.
   */
  readonly key: string | undefined
  /** The limiter's decision; `undefined` for `skip`, `invalid` and the binding's own lists. */
  readonly decision: Decision | undefined
}

/** How an admitted request's response ended: its status, or that it never completed. */
export type ResponseEnd = number | 'aborted' | 'threw'

/** An admitted request's units were given back on its outcome (`skipFailedRequests` and co.). */
export interface BindingRefundEvent extends BindingEventBase {
  /** Why: the response failed (`skipFailedRequests`) or succeeded (`skipSuccessfulRequests`). */
  readonly reason: 'failed' | 'successful'
  /** How the response ended: its status, `'aborted'` (the client left) or `'threw'` (the handler). */
  readonly end: ResponseEnd
  readonly policy: string
  /** False when the refund gave nothing back (already refunded, or it failed: see `error`). */
  readonly refunded: boolean
  /** Why nothing was given back: the store's error, or `requestWasSuccessful`'s throw. */
  readonly error: unknown
  readonly decision: Decision
}

/** Every binding event by name: `events.on(name, (event: BindingEventMap[name]) => …)`. */
export interface BindingEventMap {
  request: BindingRequestEvent
  refund: BindingRefundEvent
}

export type BindingEventName = keyof BindingEventMap

/** The names, in the order every list of them follows. */
const BINDING_EVENT_NAMES: readonly BindingEventName[] = Object.freeze(['request', 'refund'])

/** A binding's event stream: the shape of `limiter.events`, with the binding's own events. */
export interface BindingEvents {
  /** Calls `listener` with every `name` event, synchronously. Returns a function that unsubscribes. */
  on<K extends BindingEventName>(name: K, listener: (event: BindingEventMap[K]) => void): () => void
  /** Removes a listener given to `on`. */
  off<K extends BindingEventName>(name: K, listener: (event: BindingEventMap[K]) => void): void
  /** Listeners of `name` on this stream (diagnostics_channel subscribers not counted). */
  listenerCount(name: BindingEventName): number
}

/** The channel of each binding event: `sluice:binding:request`, `sluice:binding:refund`. */
function bindingChannelName(name: BindingEventName): string {
  return `sluice:binding:${name}`
}

let channels: Readonly<Record<BindingEventName, ChannelLike | undefined>> | undefined

function sharedChannels(): Readonly<Record<BindingEventName, ChannelLike | undefined>> {
  if (channels === undefined) {
    channels = {
      request: diagnosticsChannel(bindingChannelName('request')),
      refund: diagnosticsChannel(bindingChannelName('refund')),
    }
  }
  return channels
}

/**
 * The event stream of one binding. Emitting sites ask `wants(name)` first and build an event only
 * then: with nobody listening a request pays one array length and one `hasSubscribers` read.
 */
export class BindingEventHub implements BindingEvents {
  readonly #listeners = new Listeners<BindingEventMap>(BINDING_EVENT_NAMES, 'binding event')
  readonly #channels = sharedChannels()
  readonly #requestChannel = this.#channels.request

  on<K extends BindingEventName>(name: K, listener: (event: BindingEventMap[K]) => void): () => void {
    this.#listeners.on(name, listener)
    return () => this.off(name, listener)
  }

  off<K extends BindingEventName>(name: K, listener: (event: BindingEventMap[K]) => void): void {
    this.#listeners.off(name, listener)
  }

  listenerCount(name: BindingEventName): number {
    return this.#listeners.count(name)
  }

  /** True when an event `name` would reach anyone: build it only then. */
  wants(name: BindingEventName): boolean {
    return this.#listeners.of(name).length > 0 || this.#channels[name]?.hasSubscribers === true
  }

  /** `wants('request')`, asked once per request: two field reads, no lookup by name. */
  wantsRequest(): boolean {
    return this.#listeners.of('request').length > 0 || this.#requestChannel?.hasSubscribers === true
  }

  /** Delivers `event` to the listeners, then to the `sluice:binding:<name>` channel. */
  emit<K extends BindingEventName>(name: K, event: BindingEventMap[K]): void {
    const list = this.#listeners.of(name)
    for (let i = 0; i < list.length; i++) {
      try {
        ;(list[i] as (event: BindingEventMap[K]) => void)(event)
      } catch (error) {
        // A listener is observability: it must never change or fail the request.
        reportError(`sluice: a binding '${name}' event listener threw; the request is unchanged`, error)
      }
    }
    const channel = this.#channels[name]
    if (channel?.hasSubscribers === true) channel.publish(event)
  }
}

/**
 * A binding event stream to pass to several bindings as their `events` option, so one listener
 * sees them all (each binding instance makes its own otherwise, exposed as its `events`).
 *
 * @example
 * const events = bindingEvents()
 * events.on('request', (e) => metrics.count(e.action, e.policy))
 * app.use(rateLimit({ limiter, events }))
 */
export function bindingEvents(): BindingEvents {
  return new BindingEventHub()
}

/** The hub behind an `events` option: one from `bindingEvents()`, or a new one. */
export function hubFor(value: unknown, name: string): BindingEventHub {
  if (value === undefined) return new BindingEventHub()
  if (value instanceof BindingEventHub) return value
  throw new ConfigError(
    `${name} must be a stream made by bindingEvents() from @sluice/core/http, got ${show(value)}; omit it and read the binding's own events`,
  )
}

/** Where an error nobody else hears goes (a refund that failed, a listener that threw). */
export function reportError(message: string, error: unknown): void {
  ;(globalThis as { console?: { error?: (...args: unknown[]) => void } }).console?.error?.(message, error)
}
