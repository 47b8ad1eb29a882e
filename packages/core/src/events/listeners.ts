// Listeners by event name, shared by the limiter's and the bindings' event streams: subscribe,
// unsubscribe, count, and the current list for an emit (copy on write, so an emit in progress keeps
// the list it started with).
import { ConfigError } from '../errors.ts'
import { show } from '../validate.ts'

type Listener = (event: never) => void

/** The listeners of one stream, by name; `what` names its events in messages (`event`, `binding event`). */
export class Listeners<M extends object> {
  readonly #byName = {} as Record<keyof M, Listener[]>

  constructor(
    readonly names: readonly (keyof M & string)[],
    readonly what: string,
  ) {
    for (const name of names) this.#byName[name] = []
  }

  on<K extends keyof M & string>(name: K, listener: (event: M[K]) => void): void {
    const list = this.#list(name, 'on')
    if (typeof listener !== 'function') {
      throw new ConfigError(
        `events.on('${name}', listener): listener must be a function, got ${show(listener)}`,
      )
    }
    this.#byName[name] = list.concat(listener as Listener)
  }

  off<K extends keyof M & string>(name: K, listener: (event: M[K]) => void): void {
    const list = this.#list(name, 'off')
    const i = list.indexOf(listener as Listener)
    if (i >= 0) this.#byName[name] = list.slice(0, i).concat(list.slice(i + 1))
  }

  count(name: keyof M & string): number {
    return this.#list(name, 'listenerCount').length
  }

  /** The listeners of a known `name` now (the emitting sites name only known events: no check). */
  of<K extends keyof M>(name: K): readonly ((event: M[K]) => void)[] {
    return this.#byName[name] as ((event: M[K]) => void)[]
  }

  #list(name: keyof M & string, method: string): Listener[] {
    const list = Object.hasOwn(this.#byName, name) ? this.#byName[name] : undefined
    if (list === undefined) {
      throw new ConfigError(
        `events.${method}: unknown ${this.what} ${show(name)}; the events are ${this.names.join(', ')}`,
      )
    }
    return list
  }
}
