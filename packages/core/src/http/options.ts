// The options every binding accepts, checked once at construction with ConfigErrors that say what to do.
import { type AccessList, type AccessListEntries, toAccessList } from '../access/accessList.ts'
import { unadmittable } from '../callOptions.ts'
import { MAX_TIMER_MS, parseDuration } from '../duration.ts'
import { ConfigError } from '../errors.ts'
import type { RateLimiter } from '../limiter.ts'
import type { RulesRateLimiter } from '../rules/ruleLimiter.ts'
import type { DescriptorRequest } from '../rules/types.ts'
import { optionsObject, show } from '../validate.ts'
import type { BindingEvents } from './bindingEvents.ts'
import { checkIpv6Subnet } from './clientAddress.ts'
import { HEADER_MODES, type HeaderMode, type PolicyInfo } from './headers.ts'
import { DEFAULT_MAX_PARKED } from './parking.ts'
import { describePolicies } from './policies.ts'
import { checkOutcomeOptions, type OutcomeOptions } from './settle.ts'

/** A value, or a promise of it: key, cost and skip functions may be async. */
export type MaybePromise<T> = T | Promise<T>

/**
 * The options every sluice binding (`@sluice/express`, `@sluice/koa`, `@sluice/hono`) accepts,
 * with the same names; `Req` is what the framework hands the functions (Express `req`, Koa
 * `ctx`, Hono `c`), `Res` what `requestWasSuccessful` gets as the response (Express `res`, Koa
 * `ctx.response`, Hono `c.res`). Each binding adds its own `onLimited`.
 */
export interface RateLimitBindingOptions<Req, Res = unknown> {
  /**
   * The limiter to consult: `createRateLimiter({ store, algorithm })`, or one made from rules
   * (`createRateLimiter({ store, rules })`, then give `descriptors`). Required.
   */
  readonly limiter: RateLimiter | RulesRateLimiter
  /**
   * With a rules limiter: what this request is, as descriptors (`[[{ key: 'route', value: path }],
   * [{ key: 'user', value: id }]]`). Every limit they match is checked at once; headers list each
   * of them. An empty or malformed list is an `InputError`, never "no limit".
   */
  readonly descriptors?: (req: Req) => MaybePromise<DescriptorRequest['descriptors']>
  /**
   * Who is limited: a non-empty string per request. Default: the client address, IPv6 grouped by
   * `ipv6Subnet`. A returned value that is not a usable key (`''`, `undefined`, longer than the
   * limiter accepts) is answered 400; a throw goes to the framework's error handling.
   */
  readonly key?: (req: Req) => MaybePromise<string>
  /**
   * Units this request takes: a non-negative integer, or a function returning one. Default 1. A
   * fixed cost over what the limiter can ever admit is a `ConfigError` here; a function's result
   * that is not a whole number ≥ 0, or over every limit, is answered 400.
   */
  readonly cost?: number | ((req: Req) => MaybePromise<number>)
  /** Return true to let a request through without counting it or sending headers. */
  readonly skip?: (req: Req) => MaybePromise<boolean>
  /** The policy name in headers; default the limit's own name (`fixedWindow:100/1m`). */
  readonly policyName?: string
  /** Which rate-limit headers to send. Default `'draft-10'`. */
  readonly headers?: HeaderMode
  /**
   * Shaping (leaky bucket): a request whose `delayMs` is at most this waits its turn, a longer one
   * is refused. A whole number of milliseconds or a duration string (`'2s'`, `'1.5s'`), by the one
   * duration rule (`parseDuration`); 0 never waits. Default `Infinity` (the algorithm's capacity
   * bounds the wait).
   */
  readonly maxDelayMs?: number | string
  /**
   * Shaping: how many requests this middleware holds at once while they wait their turn. A request
   * that would have to wait when all places are taken is refused at once (429 with `Retry-After`),
   * taking nothing from the queue; a client that disconnects gives its place back. A whole number
   * ≥ 0 (0 never holds one) or `Infinity`. Default 1,000.
   */
  readonly maxParked?: number
  /**
   * The default key groups IPv6 clients by this prefix length, 1–128 (64: a subscriber's usual
   * allocation; 48 or 56 are stricter, 128 one key per address). Addresses that carry an IPv4
   * client (IPv4-mapped, NAT64, 6to4, Teredo) count as that IPv4 address. Default 64. Only for the
   * default key: a `key` function groups with `clientAddressKey(address, { ipv6Subnet })`.
   */
  readonly ipv6Subnet?: number
  /** Status of a refused request. Default 429. */
  readonly statusCode?: number
  /**
   * Clients that skip limiting: a request whose client address is inside one of the list's
   * ranges, or whose key is one of its keys, passes as `skip` does (no headers, nothing counted).
   * An `accessList(…)` from `@sluice/core`, which you can change at run time, or its entries
   * (`{ keys, addresses }`). `skip(req)` runs first; a request on both lists is denied. Address
   * entries match only where the framework gives a client address.
   */
  readonly allow?: AccessList | AccessListEntries
  /**
   * Clients that are always refused, before the limiter is asked: 403 with an
   * `application/problem+json` body (type `…/access-lists.md#client-denied`, title "Client
   * denied") and `Cache-Control: no-store`, no `Retry-After` and no rate-limit headers. Takes what
   * `allow` takes and wins over it. `onLimited` receives these too: `limited.status` is 403 and
   * `limited.decision.listed` is `'deny'`.
   */
  readonly deny?: AccessList | AccessListEntries
  /**
   * Count only requests that succeed: an admitted request whose response fails (status ≥ 400, or
   * as `requestWasSuccessful` says), whose client leaves before the response is sent, or whose
   * handler throws gives its units back once the response has ended (`decision.refund()`, once).
   * Use it for login limits that should count wrong passwords only. Default `false`.
   */
  readonly skipFailedRequests?: boolean
  /**
   * Count only requests that fail: an admitted request whose response succeeds (status < 400, or
   * as `requestWasSuccessful` says) gives its units back once the response has ended. Use it to
   * limit errors (404 probing, failed uploads) without limiting normal use. Default `false`; not
   * together with `skipFailedRequests`.
   */
  readonly skipSuccessfulRequests?: boolean
  /**
   * Whether a finished response counts as a success, for `skipFailedRequests` /
   * `skipSuccessfulRequests` (required with neither being a ConfigError). Called once the response
   * has been sent, with the request and the framework's response (Express and Nest `res`, Fastify
   * `reply`, Koa `ctx.response`, Hono `c.res`, fetch the handler's `Response`); may be async. A
   * request whose client left or whose handler threw is a failure without asking. A throw keeps
   * the request counted (reported in the `refund` event). Default: status < 400.
   */
  readonly requestWasSuccessful?: (req: Req, res: Res) => MaybePromise<boolean>
  /**
   * The event stream this binding emits on, made by `bindingEvents()`, to share one among several
   * bindings. Default: a stream of its own, exposed as the middleware's `events`.
   */
  readonly events?: BindingEvents
}

/** What a binding tells core about itself, so messages and defaults fit the framework. */
export interface BindingSpec<Req> {
  /** The factory's name in messages: `'rateLimit'`. */
  readonly factory: string
  /**
   * The client address as the framework resolved it (after its own trusted-proxy setting), or
   * `undefined` when the request has none. Omit it where there is no address (edge runtimes):
   * then `key` is required.
   */
  readonly clientAddress?: (req: Req) => string | undefined
  /** How to name that address in messages: `'req.ip'`, `'ctx.ip'`. */
  readonly clientAddressSource?: string
  /** What to tell a user who gave no `key` where there is no client address. */
  readonly missingKeyHelp?: string
  /** Option names the binding accepts besides the common ones (`onLimited` is always accepted). */
  readonly extraOptions?: readonly string[]
  /** The framework, as binding events name it: `'express'`, `'koa'`, … Default `factory`. */
  readonly binding?: string
}

/** The validated options. */
export interface ResolvedBindingOptions<Req, Res = unknown> {
  readonly limiter: RateLimiter | RulesRateLimiter
  /** Set for a rules limiter, whose policies (and so `policies` here, empty) vary per request. */
  readonly descriptors: ((req: Req) => MaybePromise<DescriptorRequest['descriptors']>) | undefined
  readonly key: ((req: Req) => MaybePromise<string>) | undefined
  readonly cost: number | ((req: Req) => MaybePromise<number>)
  readonly skip: ((req: Req) => MaybePromise<boolean>) | undefined
  /**
   * A limiter whose limits it picks per call (`algorithm: ({ key, context }) => limits`): as for
   * rules, `policies` is empty and each decision's `limits` give the headers.
   */
  readonly perCaller: boolean
  readonly headers: HeaderMode
  readonly policies: readonly PolicyInfo[]
  readonly maxDelayMs: number
  readonly maxParked: number
  readonly ipv6Subnet: number
  readonly statusCode: number
  readonly onLimited: ((...args: never[]) => unknown) | undefined
  readonly allow: AccessList | undefined
  readonly deny: AccessList | undefined
  /** `skipFailedRequests`, `skipSuccessfulRequests`, `requestWasSuccessful`. */
  readonly outcomes: OutcomeOptions<Req, Res>
  readonly events: unknown
}

const COMMON = [
  'limiter',
  'key',
  'cost',
  'skip',
  'policyName',
  'headers',
  'onLimited',
  'maxDelayMs',
  'maxParked',
  'ipv6Subnet',
  'statusCode',
  'descriptors',
  'allow',
  'deny',
  'skipFailedRequests',
  'skipSuccessfulRequests',
  'requestWasSuccessful',
  'events',
]

/** Hints for option names other rate limiters use, so a ported config fails with a pointer. */
const FOREIGN: Record<string, string> = {
  windowMs:
    'limits live in the limiter: createRateLimiter({ store, algorithm: fixedWindow({ limit, window }) })',
  max: 'limits live in the limiter: createRateLimiter({ store, algorithm: fixedWindow({ limit, window }) })',
  limit:
    'limits live in the limiter: createRateLimiter({ store, algorithm: fixedWindow({ limit, window }) })',
  store: 'the store belongs to the limiter: createRateLimiter({ store, algorithm })',
  keyGenerator: 'use key: (req) => string',
  handler: 'use onLimited',
  standardHeaders: "use headers: 'draft-10' | 'legacy' | 'both' | false",
  legacyHeaders: "use headers: 'legacy' or 'both'",
  ipv6Prefix: 'the bindings call it ipv6Subnet (clientAddressKey takes either name)',
  whiteList: "use allow: { keys: [...], addresses: ['10.0.0.0/8'] }",
  blackList: "use deny: { keys: [...], addresses: ['10.0.0.0/8'] }",
  allowList: "use allow: { keys: [...], addresses: ['10.0.0.0/8'] }",
  denyList: "use deny: { keys: [...], addresses: ['10.0.0.0/8'] }",
  skipFailed: 'use skipFailedRequests: true',
  skipSuccessful: 'use skipSuccessfulRequests: true',
  isSuccessful: 'use requestWasSuccessful: (req, res) => boolean',
}

/**
 * Validates a binding's options once, at construction, with `ConfigError`s that say what to do.
 *
 * @example
 * const resolved = resolveBindingOptions(options, { factory: 'rateLimit', clientAddress: (req) => req.ip })
 */
export function resolveBindingOptions<Req, Res = unknown>(
  options: unknown,
  spec: BindingSpec<Req>,
): ResolvedBindingOptions<Req, Res> {
  const f = spec.factory
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(
      `${f}() takes an options object such as ${f}({ limiter }), with limiter = createRateLimiter({ store, algorithm }); got ${show(options)}`,
    )
  }
  const known = spec.extraOptions === undefined ? COMMON : COMMON.concat(spec.extraOptions)
  const o = optionsObject(options as Record<string, unknown>, f, known, FOREIGN)
  const descriptors = optionalFunction<(req: Req) => MaybePromise<DescriptorRequest['descriptors']>>(
    o.descriptors,
    `${f}: descriptors`,
    '(req) => [[{ key, value }], …]',
  )
  const limiter = checkLimiter(o.limiter, f, descriptors !== undefined)
  if (descriptors !== undefined) checkRulesOptions(o, f)
  const key = optionalFunction<(req: Req) => MaybePromise<string>>(o.key, `${f}: key`, '(req) => string')
  if (key === undefined && descriptors === undefined && spec.clientAddress === undefined) {
    throw new ConfigError(
      `${f}: key is required here, since this runtime gives no client address; ${spec.missingKeyHelp ?? 'pass key: (req) => string, such as an authenticated user id'}`,
    )
  }
  const ipv6Subnet = checkIpv6Subnet(o.ipv6Subnet, `${f}: ipv6Subnet`)
  if (o.ipv6Subnet !== undefined && (key !== undefined || descriptors !== undefined)) {
    throw new ConfigError(
      `${f}: ipv6Subnet groups the default key (the client address), which ${key === undefined ? 'descriptors replace' : 'key replaces'}; group the address where you use it: clientAddressKey(address, { ipv6Subnet: ${ipv6Subnet} })`,
    )
  }
  const cost = checkCost(o.cost, f)
  if (typeof cost === 'number' && descriptors === undefined) checkFixedCost(cost, limiter as RateLimiter, f)
  const perCaller = descriptors === undefined && (limiter as RateLimiter).algorithms.length === 0
  if (perCaller && o.policyName !== undefined) {
    throw new ConfigError(
      `${f}: policyName names a limiter's one set of limits, and this limiter picks its limits per caller; name each limit instead (fixedWindow({ limit, window, name: 'pro' }))`,
    )
  }
  return {
    limiter,
    descriptors,
    key,
    cost,
    skip: optionalFunction(o.skip, `${f}: skip`, '(req) => boolean'),
    perCaller,
    headers: checkHeaders(o.headers, f),
    policies:
      descriptors === undefined && !perCaller
        ? describePolicies((limiter as RateLimiter).algorithms, checkPolicyName(o.policyName, f), f)
        : [],
    maxDelayMs: checkMaxDelay(o.maxDelayMs, f),
    maxParked: checkMaxParked(o.maxParked, f),
    ipv6Subnet,
    statusCode: checkStatus(o.statusCode, f),
    onLimited: optionalFunction(o.onLimited, `${f}: onLimited`, 'a function that sends the response'),
    allow: toAccessList(o.allow, `${f}: allow`),
    deny: toAccessList(o.deny, `${f}: deny`),
    outcomes: checkOutcomeOptions<Req, Res>(o, f),
    events: o.events,
  }
}

function checkLimiter(value: unknown, f: string, rules: boolean): RateLimiter | RulesRateLimiter {
  const l = value as Partial<RateLimiter & RulesRateLimiter> | undefined
  if (value === undefined) {
    throw new ConfigError(
      `${f}: limiter is missing; create one with createRateLimiter({ store, algorithm }) and pass ${f}({ limiter })`,
    )
  }
  const isRules = typeof l?.limit === 'function' && typeof l.setRules === 'function'
  if (rules && !isRules) {
    throw new ConfigError(
      `${f}: descriptors need a limiter made from rules, createRateLimiter({ store, rules: parseRules(text) }); this one has fixed limits, so give key instead`,
    )
  }
  if (isRules && !rules) {
    throw new ConfigError(
      `${f}: this limiter is made from rules, so each request needs descriptors: pass descriptors: (req) => [[{ key: 'route', value: req.path }], …]`,
    )
  }
  if (isRules) return l as RulesRateLimiter
  // No algorithms: a limiter that picks its limits per caller (its decisions name them).
  if (typeof l?.limit !== 'function' || !Array.isArray(l.algorithms)) {
    throw new ConfigError(
      `${f}: limiter must come from createRateLimiter({ store, algorithm }), got ${show(value)}`,
    )
  }
  return l as RateLimiter
}

function checkRulesOptions(o: Record<string, unknown>, f: string): void {
  if (o.key !== undefined) {
    throw new ConfigError(
      `${f}: key and descriptors do not go together; with rules, put what identifies the client in a descriptor ({ key: 'user', value: id })`,
    )
  }
  if (o.policyName !== undefined) {
    throw new ConfigError(
      `${f}: policyName does not apply to a rules limiter; name each limit in the rules (rate_limit: { name: login, … })`,
    )
  }
}

function optionalFunction<T>(value: unknown, name: string, shape: string): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') {
    throw new ConfigError(`${name} must be ${shape}, got ${show(value)}`)
  }
  return value as T
}

function checkCost<Req>(value: unknown, f: string): number | ((req: Req) => MaybePromise<number>) {
  if (value === undefined) return 1
  if (typeof value === 'function') return value as (req: Req) => MaybePromise<number>
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
  throw new ConfigError(
    `${f}: cost must be a non-negative integer or a function (req) => number, got ${show(value)}`,
  )
}

/** A fixed cost no limit can ever admit would fail every request: say so now. */
function checkFixedCost(cost: number, limiter: RateLimiter, f: string): void {
  const problem = unadmittable(cost, limiter.algorithms)
  if (problem !== undefined) throw new ConfigError(`${f}: ${problem}`)
}

function checkHeaders(value: unknown, f: string): HeaderMode {
  if (value === undefined) return 'draft-10'
  if ((HEADER_MODES as readonly unknown[]).includes(value)) return value as HeaderMode
  throw new ConfigError(`${f}: headers must be 'draft-10', 'legacy', 'both' or false, got ${show(value)}`)
}

function checkPolicyName(value: unknown, f: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(
      `${f}: policyName must be a non-empty string such as 'login', got ${show(value)}; omit it to use the limit's own name`,
    )
  }
  return value
}

function checkMaxDelay(value: unknown, f: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY
  const ms = parseDuration(value, `${f}: maxDelayMs`, { zero: true, infinite: true })
  // No timer holds a longer wait, so a longer bound means no bound (planResponse refuses those).
  return ms > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : ms
}

function checkMaxParked(value: unknown, f: string): number {
  if (value === undefined) return DEFAULT_MAX_PARKED
  if (
    value === Number.POSITIVE_INFINITY ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0)
  ) {
    return value
  }
  throw new ConfigError(
    `${f}: maxParked must be a whole number of requests ≥ 0 (how many may wait their turn at once; 0 never holds one) or Infinity for no bound, got ${show(value)}`,
  )
}

function checkStatus(value: unknown, f: string): number {
  if (value === undefined) return 429
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 400 || value > 599) {
    throw new ConfigError(
      `${f}: statusCode must be an HTTP error status from 400 to 599 (429 is the standard one), got ${show(value)}`,
    )
  }
  return value
}
