import type { Algorithm } from '../algorithm.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import { ConfigError, InputError } from '../errors.ts'
import type { CallOptions } from '../limiter.ts'
import type { ResilienceOptions } from '../resilience/options.ts'
import type { Store } from '../store.ts'
import type { StoreCall } from '../storeCall.ts'
import { show } from '../validate.ts'
import { counterLimit } from './counter.ts'
import { matchDescriptor } from './match.ts'
import { checkDescriptors } from './request.ts'
import { type PreparedRules, prepareRules } from './ruleSet.ts'
import { runShadow, type ShadowHooks } from './shadow.ts'
import type { Descriptor, DescriptorRequest, RuleSet } from './types.ts'

/**
 * `createRateLimiter` with `rules` in place of `algorithm`: the limits come from a rule set and
 * each request names what it is with descriptors. The failure options (`timeoutMs`,
 * `onStoreError`, …) apply as to any limiter.
 */
export interface RulesLimiterOptions extends ResilienceOptions, ShadowHooks {
  readonly store: Store
  /** From `parseRules(text)`, or a plain object of the same shape (validated the same way). */
  readonly rules: RuleSet | object
  /** A rules limiter takes no `algorithm`: its limits are the rules'. */
  readonly algorithm?: never
  /** Namespaces this limiter's keys in the store. Defaults to `'sluice'`. */
  readonly prefix?: string
  /** Milliseconds since the epoch. Defaults to the store's own clock. */
  readonly clock?: () => number
  /**
   * Global shadow mode: every rule is evaluated and reported (`decision.shadow`, `onShadowDeny`)
   * and none denies, as if each had `shadow_mode: true`. Default false.
   */
  readonly shadowMode?: boolean
  /**
   * Two open limiters on one store with the same prefix and rules domain share their counters;
   * `createRateLimiter` warns once unless this is `true` (see `RateLimiterOptions.shareCounters`).
   * The domain checked is the one at construction; `setRules` with another domain is not rechecked.
   */
  readonly shareCounters?: boolean
}

/** A limiter whose limits come from rules. Its calls take descriptors where a plain limiter takes a key. */
export interface RulesRateLimiter {
  /**
   * Takes `cost` units from every limit the descriptors match, all-or-nothing in one store
   * request; shadow limits are evaluated alongside and never deny. A request that matches no
   * limit is allowed with no policies.
   */
  limit(request: DescriptorRequest, options?: CallOptions): Promise<Decision>
  /** What `limit` would decide, taking nothing. */
  peek(request: DescriptorRequest, options?: CallOptions): Promise<Decision>
  /** Forgets the counters of every limit these descriptors match (shadow ones included). */
  reset(request: DescriptorRequest): Promise<void>
  /**
   * Puts a new rule set in force between two requests: a request uses one rule set from start to
   * end. A set that does not fit the store throws (`ConfigError`) and the old one stays.
   */
  setRules(rules: RuleSet | object): void
  /** The rule set in force. */
  readonly rules: RuleSet
  /** Stops the limiter (see `RateLimiter.close`). */
  close(): Promise<void>
  readonly store: Store
}

/** What `createRateLimiter` has already resolved for a rules limiter. */
export interface RulesLimiterParts {
  readonly store: Store
  readonly call: StoreCall
  /** The start of every store key: the escaped prefix and `:`. */
  readonly start: string
  readonly clock: (() => number) | undefined
  readonly readClock: (clock: () => number) => number
  readonly checkMaxDelay: (maxDelayMs: unknown) => number | undefined
}

const NO_LIMIT: Decision = Object.freeze({
  allowed: true,
  limit: Number.POSITIVE_INFINITY,
  remaining: Number.POSITIVE_INFINITY,
  resetAfterMs: 0,
  retryAfterMs: 0,
  delayMs: 0,
  policy: '',
  policies: Object.freeze([]) as readonly PolicyDecision[],
  limits: Object.freeze([]) as readonly Algorithm[],
})

/** The limits one request is evaluated against, split into enforced and shadow ones. */
interface Plan {
  readonly domain: string
  readonly key: string
  readonly enforced: Algorithm[]
  readonly shadow: Algorithm[]
  readonly shadowDescriptors: Descriptor[]
}

/** Builds the rules limiter; see `createRateLimiter`. */
export function createRulesLimiter(
  options: RulesLimiterOptions,
  prepared: PreparedRules,
  parts: RulesLimiterParts,
): RulesRateLimiter {
  const { store, call, start, clock } = parts
  const globalShadow = checkFlag(options.shadowMode, 'shadowMode')
  const hooks: ShadowHooks = {
    onShadowDeny: checkHook(options.onShadowDeny, 'onShadowDeny'),
    onShadowError: checkHook(options.onShadowError, 'onShadowError'),
  }
  // The one reference every request reads, once, at its start: swapping it is atomic.
  let current = prepared.compiled

  function plan(request: unknown): Plan {
    const compiled = current
    const descriptors = checkDescriptors(request)
    // No store request can carry more limits than a store takes: checkDescriptors allows at most
    // MAX_LIMITS_PER_REQUEST descriptors, and each matches at most one limit.
    const matched = descriptors.map((d) => matchDescriptor(compiled, d))
    const replaced = new Set<string>()
    for (const m of matched) for (const name of m?.rule.rateLimit?.replaces ?? []) replaced.add(name)
    const enforced: Match[] = []
    const shadow: Match[] = []
    matched.forEach((m, i) => {
      const limit = m?.rule.rateLimit
      if (limit?.algorithm === undefined || (limit.name !== undefined && replaced.has(limit.name))) return
      const match = {
        algorithm: limit.algorithm,
        name: m?.name as string,
        descriptor: descriptors[i] as Descriptor,
        index: i,
      }
      if (globalShadow || m?.rule.shadowMode) shadow.push(match)
      else enforced.push(match)
    })
    const domain = compiled.ruleSet.domain
    return {
      domain,
      key: start + domain,
      enforced: counters(enforced),
      shadow: counters(shadow),
      shadowDescriptors: shadow.map((m) => m.descriptor),
    }
  }

  async function decide(
    request: unknown,
    callOptions: CallOptions | undefined,
    consume: boolean,
  ): Promise<Decision> {
    const p = plan(request)
    const given = callOptions?.cost
    const cost = given === undefined ? (consume ? 1 : 0) : checkCost(given, p.enforced)
    const now = clock === undefined ? undefined : parts.readClock(clock)
    const maxDelayMs = parts.checkMaxDelay(callOptions?.maxDelayMs)
    // Object literals, not spreads: this runs on every request.
    const shadow =
      p.shadow.length === 0
        ? undefined
        : runShadow(
            call,
            { key: p.key, limits: p.shadow, cost, consume, now, maxDelayMs: undefined },
            p.shadowDescriptors,
            p.domain,
            hooks,
          )
    const enforced =
      p.enforced.length === 0
        ? NO_LIMIT
        : await call({ key: p.key, limits: p.enforced, cost, consume, now, maxDelayMs })
    const shadowPolicies = shadow === undefined ? undefined : await shadow
    return {
      allowed: enforced.allowed,
      limit: enforced.limit,
      remaining: enforced.remaining,
      resetAfterMs: enforced.resetAfterMs,
      retryAfterMs: enforced.retryAfterMs,
      delayMs: enforced.delayMs,
      policy: enforced.policy,
      policies: enforced.policies,
      limits: p.enforced,
      shadow: shadowPolicies,
      degraded: enforced.degraded,
    }
  }

  return {
    limit: (request, callOptions) => decide(request, callOptions, true),
    peek: (request, callOptions) => decide(request, callOptions, false),
    reset: async (request) => {
      const p = plan(request)
      const limits = [...p.enforced, ...p.shadow]
      if (limits.length > 0) await call.reset(p.key, limits)
    },
    setRules(rules) {
      current = prepareRules(rules, store, 'setRules').compiled
    },
    get rules() {
      return current.ruleSet
    },
    close: () => call.close(),
    store,
  }
}

/** A rule limit one request descriptor matched. */
interface Match {
  readonly algorithm: Algorithm
  /** The policy name (see `MatchedRule.name`): never a value from the request. */
  readonly name: string
  readonly descriptor: Descriptor
  /** Where the descriptor is in the request's list. */
  readonly index: number
}

/**
 * One counter per matched descriptor, named by its rule (`MatchedRule.name`). Two descriptors of
 * one request that match the same rule (two users' counters) would share a name, so each gets
 * its place in the request added (`user[0]`, `user[1]`): headers can tell them apart, and still
 * show no value from the request.
 */
function counters(matches: readonly Match[]): Algorithm[] {
  const shared = new Set<string>()
  if (matches.length > 1) {
    const seen = new Set<string>()
    for (const m of matches) {
      if (seen.has(m.name)) shared.add(m.name)
      seen.add(m.name)
    }
  }
  return matches.map((m) =>
    counterLimit(m.algorithm, m.descriptor, shared.has(m.name) ? `${m.name}[${m.index}]` : m.name),
  )
}

function checkCost(cost: unknown, limits: readonly Algorithm[]): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0) {
    throw new InputError(`cost must be a non-negative integer, got ${show(cost)}`)
  }
  for (const a of limits) {
    if (cost > a.maxCost) {
      throw new InputError(
        `cost ${cost} can never be admitted: ${a.name} admits at most ${a.maxCost} at once; lower the cost or raise the limit`,
      )
    }
  }
  return cost
}

function checkFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean')
    throw new ConfigError(`createRateLimiter: ${name} must be true or false, got ${show(value)}`)
  return value
}

function checkHook<T>(value: unknown, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(`createRateLimiter: ${name} must be a function, got ${show(value)}`)
  }
  return value as T | undefined
}
