// Which limits each route runs: the module's, its controller's, its handler's, made once per route.
import { ConfigError } from '@sluice/core'
import { type Declared, declaredOn } from './decorators.ts'
import { type Limit, makeLimit } from './guard.ts'

type Handler = (...args: never[]) => unknown

/**
 * The limits of every route, by controller class and handler. A route's list is made on its first
 * request, and for every controller's routes when the app starts (`prepare`), so a bad
 * `@RateLimit` adjustment fails the start-up rather than a request.
 */
export class RouteLimits {
  readonly #root: Limit | undefined
  readonly #routes = new WeakMap<object, WeakMap<Handler, readonly Limit[]>>()
  // An inherited limit changed by one adjustment is one limit, shared by every route it applies to,
  // as one Express middleware is: `maxParked` bounds them together.
  readonly #adjusted = new WeakMap<Limit, WeakMap<object, Limit>>()

  constructor(root: Limit | undefined) {
    this.#root = root
  }

  /** The limits a request to `handler` of `controller` runs, in order. */
  of(controller: object, handler: Handler): readonly Limit[] {
    let byHandler = this.#routes.get(controller)
    if (byHandler === undefined) {
      byHandler = new WeakMap()
      this.#routes.set(controller, byHandler)
    }
    let limits = byHandler.get(handler)
    if (limits === undefined) {
      limits = this.#make(controller, handler)
      byHandler.set(handler, limits)
    }
    return limits
  }

  /** Makes the limits of every method of `controller`, throwing the first `ConfigError`. */
  prepare(controller: { readonly prototype: object }, methods: readonly string[]): void {
    for (const method of methods) {
      const handler = (controller.prototype as Record<string, unknown>)[method]
      if (typeof handler === 'function') this.of(controller, handler as Handler)
    }
  }

  #make(controller: object, handler: Handler): readonly Limit[] {
    let limits: readonly Limit[] = this.#root === undefined ? [] : [this.#root]
    for (const target of [controller, handler]) {
      const declared = declaredOn(target)
      if (declared.skip) limits = []
      for (const each of declared.limits) limits = this.#apply(limits, each, controller, handler)
    }
    return limits
  }

  #apply(
    limits: readonly Limit[],
    declared: Declared,
    controller: object,
    handler: Handler,
  ): readonly Limit[] {
    if (declared.kind === 'limit') return [...limits, declared.limit]
    if (limits.length === 0) {
      const route = `${(controller as { name?: string }).name}.${handler.name}`
      throw new ConfigError(
        `@RateLimit on ${route}: without a limiter it changes the limits the route inherits, and it inherits none (no limiter in SluiceModule.forRoot, or @SkipRateLimit); pass @RateLimit({ limiter, … })`,
      )
    }
    return limits.map((limit) => this.#adjust(limit, declared.options))
  }

  #adjust(limit: Limit, change: Readonly<Record<string, unknown>>): Limit {
    let byChange = this.#adjusted.get(limit)
    if (byChange === undefined) {
      byChange = new WeakMap()
      this.#adjusted.set(limit, byChange)
    }
    let adjusted = byChange.get(change)
    if (adjusted === undefined) {
      adjusted = makeLimit({ ...limit.options, ...change }, '@RateLimit')
      byChange.set(change, adjusted)
    }
    return adjusted
  }
}
