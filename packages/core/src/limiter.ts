// createRateLimiter: checks every option once, picks the planner (fixed limits or rules), and
// runs every call through the one limiter pipeline (pipeline.ts).
import { type AccessList, type AccessListEntries, toAccessList } from './access/accessList.ts'
import type { AccessLists } from './access/listed.ts'
import type { Algorithm } from './algorithm.ts'
import { type CallOptions, tightestCost } from './callOptions.ts'
import type { ChargeOptions } from './charges.ts'
import { checkClock } from './clock.ts'
import type { Decision } from './decision.ts'
import type { Duration } from './duration.ts'
import { ConfigError } from './errors.ts'
import { EventHub, registerHub } from './events/hub.ts'
import { attachDebugLog, attachLogger, checkLogger } from './events/logger.ts'
import type { ObservabilityOptions } from './events/options.ts'
import type { LimiterEvents } from './events/types.ts'
import { checkKey, checkPrefix, keyPrefix } from './keys.ts'
import { checkAlgorithms, checkStore } from './limiterChecks.ts'
import type { Penalty } from './penalty.ts'
import { penaltyCalls } from './penaltyCalls.ts'
import { type PenaltyOptions, resolvePenalty } from './penaltyOptions.ts'
import { type LimitsPerCaller, perCallerPlanner } from './perCaller.ts'
import { createPipeline, type Plan, type Planner } from './pipeline.ts'
import type { RefundOptions } from './refunds.ts'
import { type ResilienceOptions, resolveResilience } from './resilience/options.ts'
import { rulesPlanner } from './rules/planner.ts'
import type { RulesLimiterOptions, RulesRateLimiter } from './rules/ruleLimiter.ts'
import { prepareRules } from './rules/ruleSet.ts'
import { type CounterSpace, claimCounters } from './sharedCounters.ts'
import type { Store } from './store.ts'
import { storeCall } from './storeCall.ts'
import { flag, optionsObject } from './validate.ts'
import { type WaitOptions, waitForAdmission } from './wait.ts'

export type { CallOptions } from './callOptions.ts'
export type { ChargeOptions } from './charges.ts'
export type { RefundOptions } from './refunds.ts'

/**
 * Besides these, the failure options of {@link ResilienceOptions}: `timeoutMs`, `onStoreError`,
 * `onError`, `denyCache`, `circuitBreaker`.
 */
export interface RateLimiterOptions extends ResilienceOptions, ObservabilityOptions, PenaltyOptions {
  /** Where state lives: `memoryStore()`, `ioredisStore({ client })`, … */
  readonly store: Store
  /**
   * One limit, or several (up to `MAX_LIMITS_PER_REQUEST`) checked and consumed together,
   * all-or-nothing. Or a function that picks them per call (limits per caller: plan, tier, API
   * key), from the call's key and its `context` option; see {@link LimitsPerCaller}. Its
   * decisions carry the limits that decided (`decision.limits`), and `limiter.algorithms` is empty.
   *
   * @example
   * const PLANS = { free: fixedWindow({ limit: 100, window: '1h' }), pro: fixedWindow({ limit: 10_000, window: '1h' }) }
   * const limiter = createRateLimiter({ store, algorithm: ({ context }) => PLANS[context ?? 'free'] })
   * await limiter.limit('user:42', { context: user.plan })
   */
  readonly algorithm: Algorithm | readonly Algorithm[] | LimitsPerCaller
  /**
   * Namespaces this limiter's counters in the store, at most `MAX_KEY_LENGTH` characters: each
   * call's limiter key is `prefix:key` (a Redis key `{prefix:key}:<limit id>`). Defaults to
   * `'sluice'`. Limiters with different prefixes never share counters.
   */
  readonly prefix?: string
  /**
   * Milliseconds since the epoch (0 to 8.64e15, as `Date.now()` returns). Defaults to the store's
   * own clock; pass one to control time in tests. A reading out of range, or a throw, is a
   * `ConfigError` at the call.
   */
  readonly clock?: () => number
  /**
   * Two open limiters on one store instance with the same `prefix` and the same limit (the same
   * limit id, or for rules the same domain) count under the same counters: each counts the other's
   * requests. That is usually an accident, so `createRateLimiter` warns once (`console.warn`) per
   * store, prefix and limit. Pass `true` when it is what you want (two middlewares that draw on one
   * quota): this limiter then neither warns nor is warned about. Default `false`.
   */
  readonly shareCounters?: boolean
  /**
   * Keys that skip limiting: a call for one is admitted at once without asking the store, counts
   * nothing and says `listed: 'allow'` (`limit` and `remaining` `Infinity`). An `accessList(…)`,
   * which you can change at run time, or its entries (`{ keys, addresses }`). Address entries
   * (`'10.0.0.0/8'`) match keys that are IP addresses, or IPv6 networks as the bindings' default
   * key writes them. Not for rules limiters (their requests carry descriptors, not a key): give
   * the lists to the binding, or use an `unlimited` rule.
   */
  readonly allow?: AccessList | AccessListEntries
  /**
   * Keys that are always refused, without asking the store and counting nothing: the decision says
   * `listed: 'deny'`, `retryAfterMs` `Infinity` (waiting does not help, so `wait()` rejects at
   * once). Takes what `allow` takes; a key on both lists is refused.
   */
  readonly deny?: AccessList | AccessListEntries
}

export interface RateLimiter {
  /**
   * Takes `cost` units for `key` if every limit admits; otherwise takes nothing. `key` is a
   * non-empty string of at most `MAX_KEY_LENGTH` (1024) UTF-16 code units: hash longer ones, e.g.
   * `createHash('sha256').update(email).digest('base64url')` (node:crypto) or
   * `crypto.subtle.digest('SHA-256', new TextEncoder().encode(email))`. Bad input is an `InputError`.
   * A key on the limiter's `deny` or `allow` list is answered without the store (`decision.listed`).
   */
  limit(key: string, options?: CallOptions): Promise<Decision>
  /**
   * Reads without taking anything. By default (cost 0) it reports what is left now; with a
   * `cost` it says what `limit(key, { cost })` would decide, and what would be left after it.
   */
  peek(key: string, options?: CallOptions): Promise<Decision>
  /**
   * Waits for admission instead of failing: resolves with the admitted decision (after its
   * `delayMs`, for a leaky bucket); rejects with a `WaitTimeoutError` as soon as the store's answer
   * says admission would come later than `maxWaitMs` from the call (nothing taken), or with the
   * signal's reason on abort. Between tries it sleeps exactly the store's `retryAfterMs`, no
   * polling. A decision of the store-error mode is taken as `limit` returns it: `'allow'` admits,
   * `'deny'` is a denial to wait out. Bad options are an `InputError`.
   *
   * @example
   * const decision = await limiter.wait('user:42', { maxWaitMs: '5s', signal: AbortSignal.timeout(10_000) })
   */
  wait(key: string, options: WaitOptions): Promise<Decision>
  /**
   * Gives units back. `refund(decision)`: what that decision of this limiter took, as
   * `decision.refund()` does (`false` for a refused, degraded or already refunded decision; another
   * limiter's decision is an `InputError`). `refund(key, { cost })`: `cost` units (default 1, a
   * whole number up to the most the limits admit at once, else an `InputError`) back to `key` under
   * every limit, from the current window (a sliding log: its newest entries). Atomic, never past
   * full; resolves `true` once sent. The store must have `refund` (memory and Redis stores do).
   *
   * @example
   * const decision = await limiter.limit('user:42')
   * if (cacheHit) await limiter.refund(decision)
   * await limiter.refund('user:42', { cost: 2 })
   */
  refund(decision: Decision): Promise<boolean>
  refund(key: string, options?: RefundOptions): Promise<boolean>
  /**
   * Releases the concurrency leases `decision` took, as `decision.release()` does (see
   * `Decision.release`): exactly that call's lease, once; `false` for a decision with no
   * concurrency limit, a refused, degraded or already released one. Another limiter's decision,
   * or anything but a decision of `limit()`, is an `InputError`.
   *
   * @example
   * const decision = await limiter.limit(tenantId)
   * try {
   *   await work()
   * } finally {
   *   await limiter.release(decision)
   * }
   */
  release(decision: Decision): Promise<boolean>
  /**
   * Takes `cost` units under every limit of `key` after the fact (tokens known only once a response
   * is in), atomically, whatever the limits hold: never denied, it may drive a balance past the
   * limit so the next calls wait until it has recovered, as OpenAI-style quotas do. `cost` is a
   * whole number ≥ 1 or units per limit (`{ tokens: 800 }`), and may exceed what a limit admits at
   * once (up to what its state holds exactly, else an `InputError` naming that bound).
   * Concurrency limits are left alone; no penalty block starts. Resolves with what
   * `peek(key, { cost: 1 })` would say right after it (`allowed` false while past the limit,
   * `retryAfterMs` until one unit is admitted again). The store must have `charge`
   * (`capabilities.charge`; memory and Redis stores do), else a `ConfigError`.
   * Per algorithm: docs/algorithms.md, "Charges".
   *
   * @example
   * const limiter = createRateLimiter({
   *   store,
   *   algorithm: tokenBucket({ name: 'tokens', capacity: 90_000, refillRate: 1500 }),
   * })
   * const admitted = await limiter.limit('org:7', { cost: 1 })
   * const completion = await llm(prompt)
   * const after = await limiter.charge('org:7', { cost: completion.usage.total_tokens })
   * if (!after.allowed) console.log(`over quota for ${after.retryAfterMs} ms`)
   */
  charge(key: string, options: ChargeOptions): Promise<Decision>
  /**
   * Blocks `key` for `duration` (ms, or `'10m'`, at most a year) from now: every call is refused
   * with `blockedUntil`, as after a denial with `blockDuration`, whatever the key's block was (a
   * ban may shorten one too); a live escalation level is kept. Atomic, beside the key's counters.
   * Needs `blockDuration` on the limiter (`0` for bans only), else a `ConfigError`. A key on the
   * `allow` list is still admitted: the lists answer before the store.
   *
   * @example
   * const limiter = createRateLimiter({ store, algorithm: gcra({ rate: 10, period: '1s' }), blockDuration: 0 })
   * await limiter.ban('user:42', '1h')
   * await limiter.unban('user:42')
   */
  ban(key: string, duration: Duration): Promise<void>
  /** Lifts `key`'s block (a ban or an automatic one) and forgets its escalation level. Atomic. Needs `blockDuration`. */
  unban(key: string): Promise<void>
  /**
   * Forgets `key` under every limit of this limiter (and in its deny cache and fallback store).
   * Per-caller limits: under the limits `algorithm` picks for `key` and `options.context`.
   */
  reset(key: string, options?: { readonly context?: unknown }): Promise<void>
  /**
   * Lets pending calls settle (each within its deadline), stops the limiter's timers and empties
   * its deny cache; later calls reject with a `StoreError`. It does not close the store: close
   * that yourself (`store.close?.()`), and your Redis client after it. Idempotent.
   */
  close(): Promise<void>
  /** The limits, in order; empty when `algorithm` is a function (each decision's `limits` then says). */
  readonly algorithms: readonly Algorithm[]
  readonly store: Store
  /**
   * This limiter's events (`decision`, `storeError`, `breakerOpen`, …; see docs/observability.md),
   * also published on Node's diagnostics channels `sluice:<event>`. Free when nobody listens.
   */
  readonly events: LimiterEvents
}

const LIMITER_OPTIONS = [
  'store',
  'algorithm',
  'rules',
  'prefix',
  'clock',
  'shareCounters',
  'timeoutMs',
  'onStoreError',
  'onError',
  'denyCache',
  'circuitBreaker',
  'shadowMode',
  'onShadowDeny',
  'onShadowError',
  'logger',
  'exposeKey',
  'allow',
  'deny',
  'blockDuration',
  'blockEscalation',
]

/** Option names of other rate limiters, so a ported config fails with a pointer. */
const FOREIGN_OPTIONS: Record<string, string> = {
  max: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  limit: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  points: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  windowMs: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  duration: 'limits are algorithms: algorithm: fixedWindow({ limit, window })',
  keyPrefix: 'use prefix',
  blockDurationMs: "use blockDuration (ms or a Duration such as '1m')",
  inMemoryBlockOnConsumed: 'blocks live beside the counters, in the same store call: use blockDuration',
  timeout: 'use timeoutMs',
  whiteList: "use allow: { keys: [...], addresses: ['10.0.0.0/8'] }",
  blackList: "use deny: { keys: [...], addresses: ['10.0.0.0/8'] }",
  allowList: "use allow: { keys: [...], addresses: ['10.0.0.0/8'] }",
  denyList: "use deny: { keys: [...], addresses: ['10.0.0.0/8'] }",
}

/**
 * Creates a rate limiter over one store. Every option is checked here, once (`ConfigError`);
 * calls check only their own arguments (`InputError`).
 *
 * @example
 * const limiter = createRateLimiter({
 *   store: memoryStore(),
 *   algorithm: gcra({ rate: 100, period: '1m', burst: 20 }),
 *   prefix: 'api',
 * })
 * const decision = await limiter.limit('user:42')
 * if (!decision.allowed) console.log(`retry in ${decision.retryAfterMs} ms`)
 *
 * // Limits from rules (Envoy/Lyft ratelimit format): requests carry descriptors instead of a key.
 * const rulesLimiter = createRateLimiter({ store: memoryStore(), rules: parseRules(yamlText) })
 * await rulesLimiter.limit({ descriptors: [[{ key: 'user', value: '42' }]] })
 */
export function createRateLimiter(options: RulesLimiterOptions): RulesRateLimiter
export function createRateLimiter(options: RateLimiterOptions): RateLimiter
export function createRateLimiter(
  options: RateLimiterOptions | RulesLimiterOptions,
): RateLimiter | RulesRateLimiter {
  optionsObject(options, 'createRateLimiter', LIMITER_OPTIONS, FOREIGN_OPTIONS)
  const store = checkStore(options.store)
  const rules = 'rules' in options && options.rules !== undefined ? checkRules(options, store) : undefined
  const pick = rules === undefined ? perCaller(options.algorithm) : undefined
  const algorithms =
    rules?.algorithms ?? (pick === undefined ? checkAlgorithms(options.algorithm, store) : NO_LIMITS)
  const prefix = checkPrefix(options.prefix, 'createRateLimiter')
  const clock = checkClock(options.clock, 'createRateLimiter')
  const share = flag((options as RateLimiterOptions).shareCounters, 'createRateLimiter: shareCounters')
  const start = keyPrefix(prefix)
  const logger = checkLogger(options.logger, 'createRateLimiter')
  const events = new EventHub(prefix, start, options.exposeKey)
  const call = storeCall(store, resolveResilience(options, store, algorithms), events)
  const penalty = resolvePenalty(options as RateLimiterOptions, store, rules !== undefined)
  if (penalty !== undefined && pick !== undefined) {
    throw new ConfigError(
      'createRateLimiter: blockDuration blocks a key under fixed limits, and this limiter picks its limits per caller (algorithm is a function); give blockDuration to a limiter with fixed limits, one per plan',
    )
  }
  const planner =
    rules !== undefined
      ? rulesPlanner(options as RulesLimiterOptions, rules, start, store)
      : pick !== undefined
        ? perCallerPlanner(pick, start, store)
        : fixedLimits(start, algorithms, penalty)
  const lists = rules === undefined ? checkLists(options as RateLimiterOptions) : undefined
  const pipeline = createPipeline<Plan>(planner, call, clock, events, lists)
  if (logger !== undefined) attachLogger(events, logger)
  attachDebugLog(events)
  // Claimed last: a construction that throws leaves no claim behind. The limiter holds `release`
  // (through `close`) exactly as long as it lives; see claimCounters.
  const release = share
    ? undefined
    : claimCounters(store, prefix, counterSpaces(rules?.compiled.ruleSet.domain, algorithms, pick))
  const close = () => {
    release?.()
    return call.close()
  }
  const limit = (input: unknown, callOptions: unknown) => pipeline.decide(input, callOptions, true)
  const peek = (input: unknown, callOptions: unknown) => pipeline.decide(input, callOptions, false)
  const reset = (input: unknown, resetOptions?: unknown) => pipeline.reset(input, resetOptions)
  const refund = (input: unknown, refundOptions?: unknown) => pipeline.refund(input, refundOptions)
  const releaseLease = (decision: unknown) => pipeline.release(decision)
  const charge = (input: unknown, chargeOptions: unknown) => pipeline.charge(input, chargeOptions)
  const wait = (input: unknown, waitOptions: unknown) =>
    waitForAdmission(limit, algorithms, input, waitOptions)
  if (rules === undefined) {
    const { ban, unban } = penaltyCalls(call, start, algorithms, clock, penalty)
    return {
      limit,
      peek,
      wait,
      refund,
      release: releaseLease,
      charge,
      ban,
      unban,
      reset,
      close,
      algorithms,
      store,
      events,
    }
  }
  const rulesLimiter = planner as ReturnType<typeof rulesPlanner>
  return registerHub(
    {
      limit,
      peek,
      wait,
      refund,
      release: releaseLease,
      charge,
      reset,
      close,
      store,
      events,
      setRules(next) {
        try {
          rulesLimiter.setRules(next)
        } catch (error) {
          if (events.wants('rulesRejected')) events.emit('rulesRejected', { limiter: prefix, error })
          throw error
        }
        if (events.wants('rulesReloaded')) {
          const ruleSet = rulesLimiter.rules
          events.emit('rulesReloaded', { limiter: prefix, domain: ruleSet.domain, rules: ruleSet })
        }
      },
      get rules() {
        return rulesLimiter.rules
      },
    },
    events,
  )
}

/** The planner of a limiter with fixed limits: every call uses them all, under `start` + its key. */
function fixedLimits(start: string, algorithms: readonly Algorithm[], penalty: Penalty | undefined): Planner {
  const maxCost = tightestCost(algorithms)
  return {
    perCall: false,
    // The pipeline plans calls from this itself; `plan` is the same, as one object.
    fixed: { start, limits: algorithms, maxCost, penalty },
    plan: (key: unknown) => ({
      limiterKey: start + checkKey(key),
      limits: algorithms,
      maxCost,
      shadow: undefined,
    }),
  }
}

/**
 * The counters a limiter counts under, besides its prefix: one per limit id; for a rules limiter,
 * its domain (every counter of a rules limiter lives under the prefix and the domain).
 */
function counterSpaces(
  domain: string | undefined,
  algorithms: readonly Algorithm[],
  pick: LimitsPerCaller | undefined,
): CounterSpace[] {
  // Per-caller limits are known only per call: the limiter claims its prefix as a whole.
  if (pick !== undefined) return [{ id: 'per-caller', label: 'per-caller limits (algorithm: a function)' }]
  if (domain !== undefined) {
    return [{ id: `domain:${domain}`, label: `rules domain ${JSON.stringify(domain)}` }]
  }
  return algorithms.map((a) => ({ id: `limit:${a.id}`, label: `limit ${a.name}` }))
}

const NO_LIMITS: readonly Algorithm[] = Object.freeze([])

/** `algorithm` when it is a function (limits per caller), else `undefined`. */
function perCaller(algorithm: unknown): LimitsPerCaller | undefined {
  return typeof algorithm === 'function' ? (algorithm as LimitsPerCaller) : undefined
}

/** The limiter's allow and deny lists, or `undefined` for none (the pipeline then skips them). */
function checkLists(options: RateLimiterOptions): AccessLists | undefined {
  const allow = toAccessList(options.allow, 'createRateLimiter: allow')
  const deny = toAccessList(options.deny, 'createRateLimiter: deny')
  return allow === undefined && deny === undefined ? undefined : { allow, deny }
}

function checkRules(options: RulesLimiterOptions, store: Store) {
  const lists = options as { allow?: unknown; deny?: unknown }
  if (lists.allow !== undefined || lists.deny !== undefined) {
    throw new ConfigError(
      `createRateLimiter: ${lists.allow === undefined ? 'deny' : 'allow'} matches a key, and a rules limiter's requests carry descriptors instead; give the lists to the binding (rateLimit({ limiter, allow, deny }) matches the client address), or use an unlimited rule (unlimited: true) or a blocking one (requests_per_unit: 0)`,
    )
  }
  if (options.algorithm !== undefined) {
    throw new ConfigError(
      'createRateLimiter: give either algorithm (one set of limits for every key) or rules (limits per descriptor), not both',
    )
  }
  return prepareRules(options.rules, store, 'createRateLimiter')
}
