import { ConfigError } from '../errors.ts'
import type { RateLimiter } from '../limiter.ts'
import type { RulesRateLimiter } from '../rules/ruleLimiter.ts'
import type { Descriptor } from '../rules/types.ts'
import { show } from '../validate.ts'
import { HEADER_MODES, type HeaderMode, type PolicyInfo } from './headers.ts'
import { describePolicies, MAX_TIMER_MS } from './policies.ts'

/** A value, or a promise of it: key, cost and skip functions may be async. */
export type MaybePromise<T> = T | Promise<T>

/**
 * The options every sluice binding (`@sluice/express`, `@sluice/koa`, `@sluice/hono`) accepts,
 * with the same names; `Req` is what the framework hands the functions (Express `req`, Koa
 * `ctx`, Hono `c`). Each binding adds its own `onLimited`.
 */
export interface RateLimitBindingOptions<Req> {
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
  readonly descriptors?: (req: Req) => MaybePromise<readonly Descriptor[]>
  /** Who is limited: a non-empty string per request. Default: the client address, IPv6 grouped by /64. */
  readonly key?: (req: Req) => MaybePromise<string>
  /** Units this request takes: a non-negative integer, or a function returning one. Default 1. */
  readonly cost?: number | ((req: Req) => MaybePromise<number>)
  /** Return true to let a request through without counting it or sending headers. */
  readonly skip?: (req: Req) => MaybePromise<boolean>
  /** The policy name in headers; default the limit's own name (`fixedWindow:100/1m`). */
  readonly policyName?: string
  /** Which rate-limit headers to send. Default `'draft-10'`. */
  readonly headers?: HeaderMode
  /**
   * Shaping (leaky bucket): a request whose `delayMs` is at most this waits its turn, a longer one
   * is refused. Milliseconds or a duration string; 0 never waits. Default `Infinity` (the
   * algorithm's capacity bounds the wait).
   */
  readonly maxDelayMs?: number | string
  /** Status of a refused request. Default 429. */
  readonly statusCode?: number
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
}

/** The validated options. */
export interface ResolvedBindingOptions<Req> {
  readonly limiter: RateLimiter | RulesRateLimiter
  /** Set for a rules limiter, whose policies (and so `policies` here, empty) vary per request. */
  readonly descriptors: ((req: Req) => MaybePromise<readonly Descriptor[]>) | undefined
  readonly key: ((req: Req) => MaybePromise<string>) | undefined
  readonly cost: number | ((req: Req) => MaybePromise<number>)
  readonly skip: ((req: Req) => MaybePromise<boolean>) | undefined
  readonly headers: HeaderMode
  readonly policies: readonly PolicyInfo[]
  readonly maxDelayMs: number
  readonly statusCode: number
  readonly onLimited: ((...args: never[]) => unknown) | undefined
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
  'statusCode',
  'descriptors',
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
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Validates a binding's options once, at construction, with `ConfigError`s that say what to do.
 *
 * @example
 * const resolved = resolveBindingOptions(options, { factory: 'rateLimit', clientAddress: (req) => req.ip })
 */
export function resolveBindingOptions<Req>(
  options: unknown,
  spec: BindingSpec<Req>,
): ResolvedBindingOptions<Req> {
  const f = spec.factory
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(
      `${f}() takes an options object such as ${f}({ limiter }), with limiter = createRateLimiter({ store, algorithm }); got ${show(options)}`,
    )
  }
  const o = options as Record<string, unknown>
  const known = new Set([...COMMON, ...(spec.extraOptions ?? [])])
  for (const name of Object.keys(o)) {
    if (known.has(name) || o[name] === undefined) continue
    const hint = FOREIGN[name] ?? `the options are ${[...known].join(', ')}`
    throw new ConfigError(`${f}: unknown option ${JSON.stringify(name)}; ${hint}`)
  }
  const descriptors = optionalFunction<(req: Req) => MaybePromise<readonly Descriptor[]>>(
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
  return {
    limiter,
    descriptors,
    key,
    cost: checkCost(o.cost, f),
    skip: optionalFunction(o.skip, `${f}: skip`, '(req) => boolean'),
    headers: checkHeaders(o.headers, f),
    policies:
      descriptors === undefined
        ? describePolicies((limiter as RateLimiter).algorithms, checkPolicyName(o.policyName, f), f)
        : [],
    maxDelayMs: checkMaxDelay(o.maxDelayMs, f),
    statusCode: checkStatus(o.statusCode, f),
    onLimited: optionalFunction(o.onLimited, `${f}: onLimited`, 'a function that sends the response'),
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
  if (typeof l?.limit !== 'function' || !Array.isArray(l.algorithms) || l.algorithms.length === 0) {
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
  let ms = value
  if (typeof value === 'string' && DURATION.test(value.trim())) {
    const [, amount, unit] = DURATION.exec(value.trim()) as RegExpExecArray
    ms = Number(amount) * (UNIT_MS[unit as string] as number)
  }
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new ConfigError(
      `${f}: maxDelayMs must be milliseconds ≥ 0 (0 never waits, Infinity always waits) or a string like '2s', got ${show(value)}`,
    )
  }
  return ms > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : ms
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
