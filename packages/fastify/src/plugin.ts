// The Fastify plugin: a sluice hook on every route of the scope it is registered in, per-route options in config.rateLimit.
import { ConfigError } from '@sluice/core'
import type { FastifyPluginCallback, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { type RateLimitHook, rateLimitHook } from './hook.ts'
import type {
  RateLimitHookName,
  RateLimitHookOptions,
  RateLimitOptions,
  RouteRateLimitOptions,
} from './options.ts'

const HOOKS: readonly RateLimitHookName[] = ['onRequest', 'preHandler']

/** The hook of a registration that took a route's `config.rateLimit`, and what it had before. */
interface RouteClaim {
  readonly hook: RateLimitHookName
  readonly routed: RateLimitHook
  readonly plain: RateLimitHook | undefined
  readonly plainHook: RateLimitHookName
}

/**
 * Which registration holds each route's own options: the innermost that sees the route. onRoute
 * hooks run outer scope first, on one options object per route, so a later one takes over.
 */
const claims = new WeakMap<RouteOptions, RouteClaim>()

const plugin: FastifyPluginCallback<RateLimitOptions> = (fastify, options, done) => {
  let settings: ReturnType<typeof prepare>
  try {
    settings = prepare(options)
  } catch (error) {
    // Through done, not thrown: avvio would miss a throw and leave ready() waiting for its timeout.
    done(error as Error)
    return
  }
  const { hook, shared, plain } = settings
  // One shape for every request (Fastify's advice for request properties), once for all scopes.
  if (!fastify.hasRequestDecorator('rateLimit')) fastify.decorateRequest('rateLimit', undefined)

  fastify.addHook('onRoute', (route) => {
    const own = route.config?.rateLimit
    if (own === false) return
    if (own === undefined) {
      if (plain !== undefined) attach(route, hook, plain)
      return
    }
    const { hook: routeHook = hook, ...routeOptions } = checkRouteOptions(own, route)
    const routed = rateLimitHook({ ...shared, ...routeOptions } as RateLimitHookOptions)
    // An outer registration that took this route's options goes back to its own (or to none).
    const previous = claims.get(route)
    if (previous !== undefined) giveBack(route, previous)
    attach(route, routeHook, routed)
    claims.set(route, { hook: routeHook, routed, plain, plainHook: hook })
  })
  done()
}

/**
 * The Fastify plugin (Fastify 4 and 5): `app.register(rateLimit, { limiter, … })` rate-limits every
 * route of the scope it is registered in (and of its child scopes) that is declared after it, in
 * an `onRequest` hook by default. Registered inside a plugin of your own, it limits only that
 * plugin's routes. A route's `config: { rateLimit: { … } }` replaces the plugin's options name by
 * name; `config: { rateLimit: false }` exempts it.
 *
 * Sends `RateLimit-Policy` / `RateLimit` headers (draft-10) and, on refusal, a 429 with
 * `Retry-After`, `Cache-Control: no-store` and an `application/problem+json` body. The default key
 * is `request.ip` (so it follows Fastify's `trustProxy`), IPv6 grouped by `ipv6Subnet` (64).
 * Leaky-bucket delays hold the request up to `maxDelayMs`, at most `maxParked` (1,000) at once; a
 * client that disconnects meanwhile is dropped. A key, cost or address the request makes unusable
 * is a 400 problem body; a throw from your key, cost or skip function and store faults go to
 * Fastify's error handler, never to a 429. The decision is on `request.rateLimit`.
 *
 * @example
 * const limiter = createRateLimiter({ store: memoryStore(), algorithm: gcra({ rate: 100, period: '1m' }) })
 * await app.register(rateLimit, { limiter })
 * app.post('/login', { config: { rateLimit: { limiter: loginLimiter, key: (req) => req.body.email, hook: 'preHandler' } } }, login)
 * app.get('/health', { config: { rateLimit: false } }, () => 'ok')
 */
export const rateLimit = fp(plugin, { fastify: '4.x || 5.x', name: '@sluice/fastify' })

/** The plugin's options, validated here, so a bad one fails app.ready() / listen() with the ConfigError. */
function prepare(options: unknown) {
  const { hook = 'onRequest', global = true, ...shared } = checkPluginOptions(options)
  const plain = global ? rateLimitHook(shared as RateLimitHookOptions) : undefined
  return { hook, shared, plain }
}

function checkPluginOptions(options: unknown): RateLimitOptions {
  // Fastify passes {} when register() is given no options.
  const o = (options ?? {}) as RateLimitOptions
  if (o.global !== undefined && typeof o.global !== 'boolean') {
    throw new ConfigError(`rateLimit: global must be true or false, got ${String(o.global)}`)
  }
  checkHook(o.hook, 'rateLimit: hook')
  return o
}

function checkRouteOptions(own: unknown, route: RouteOptions): RouteRateLimitOptions {
  const where = `config.rateLimit of ${String(route.method)} ${route.url}`
  if (typeof own !== 'object' || own === null || Array.isArray(own)) {
    throw new ConfigError(
      `rateLimit: ${where} must be an options object ({ limiter, key, … }) or false, got ${typeof own}`,
    )
  }
  const o = own as RouteRateLimitOptions & { global?: unknown }
  if (o.global !== undefined) {
    throw new ConfigError(`rateLimit: ${where} cannot set global; it belongs to the plugin's options`)
  }
  checkHook(o.hook, `rateLimit: hook in ${where}`)
  return o
}

function checkHook(value: unknown, name: string): void {
  if (value !== undefined && !HOOKS.includes(value as RateLimitHookName)) {
    throw new ConfigError(`${name} must be 'onRequest' or 'preHandler', got ${JSON.stringify(value)}`)
  }
}

/** Adds `fn` after the route's own hooks of that name, in a new array (HEAD routes copy the options). */
function attach(route: RouteOptions, name: RateLimitHookName, fn: RateLimitHook): void {
  const existing = route[name] as RateLimitHook | RateLimitHook[] | undefined
  route[name] = (existing === undefined ? [fn] : ([] as RateLimitHook[]).concat(existing, fn)) as never
}

/** Puts a registration's own hook back where its route-options hook was (or in its own lifecycle hook). */
function giveBack(route: RouteOptions, claim: RouteClaim): void {
  if (claim.hook === claim.plainHook) {
    replace(route, claim.hook, claim.routed, claim.plain)
    return
  }
  replace(route, claim.hook, claim.routed, undefined)
  if (claim.plain !== undefined) attach(route, claim.plainHook, claim.plain)
}

/** Puts `next` where `current` is in the route's hooks of that name, or removes `current`. */
function replace(
  route: RouteOptions,
  name: RateLimitHookName,
  current: RateLimitHook,
  next: RateLimitHook | undefined,
): void {
  const hooks = ([] as RateLimitHook[]).concat(route[name] as RateLimitHook | RateLimitHook[])
  const at = hooks.indexOf(current)
  if (next === undefined) hooks.splice(at, 1)
  else hooks[at] = next
  route[name] = hooks as never
}
