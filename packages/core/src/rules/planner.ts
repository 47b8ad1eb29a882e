// Rules as a planner: which counters, under which limits, one descriptor request uses. The limiter
// pipeline (pipeline.ts) does the rest, as for any limiter.
import type { Algorithm } from '../algorithm.ts'
import { tightestCost } from '../callOptions.ts'
import type { PolicyDecision } from '../decision.ts'
import { ConfigError } from '../errors.ts'
import type { Plan, Planner } from '../pipeline.ts'
import type { Store } from '../store.ts'
import { flag, show } from '../validate.ts'
import { blockLimit } from './block.ts'
import { counterLimit } from './counter.ts'
import { matchDescriptor } from './match.ts'
import { overrideCache } from './override.ts'
import { checkDescriptors } from './request.ts'
import type { RulesLimiterOptions } from './ruleLimiter.ts'
import { type PreparedRules, prepareRules } from './ruleSet.ts'
import { reportShadowDenials, type ShadowHooks } from './shadow.ts'
import type { Descriptor, RuleDescriptor, RuleSet } from './types.ts'

/** The plan of one descriptor request: its limits split into enforced and shadow ones. */
interface RulesPlan extends Plan {
  readonly domain: string
  readonly shadow: readonly Algorithm[]
  /** The request descriptor behind each shadow limit, for `onShadowDeny`. */
  readonly shadowDescriptors: readonly Descriptor[]
}

/** The planner of a limiter made from rules, whose rule set can be swapped between requests. */
export interface RulesPlanner extends Planner<RulesPlan> {
  /** Puts a new rule set in force (see `RulesRateLimiter.setRules`). */
  setRules(rules: unknown): void
  readonly rules: RuleSet
}

/**
 * Plans descriptor requests against `prepared` rules; every counter lives under the limiter key
 * `start` + domain. Checks the rules-only options (`shadowMode`, `onShadowDeny`, `onShadowError`).
 *
 * @example
 * const planner = rulesPlanner(options, prepareRules(rules, store, 'createRateLimiter'), 'sluice:', store)
 * planner.plan({ descriptors: [[{ key: 'user', value: '42' }]] }).limits // the matched limits
 */
export function rulesPlanner(
  options: RulesLimiterOptions,
  prepared: PreparedRules,
  start: string,
  store: Store,
): RulesPlanner {
  const globalShadow = flag(options.shadowMode, 'createRateLimiter: shadowMode')
  const hooks: ShadowHooks = {
    onShadowDeny: checkHook(options.onShadowDeny, 'onShadowDeny'),
    onShadowError: checkHook(options.onShadowError, 'onShadowError'),
  }
  // The one reference every request reads, once, at its start: swapping it is atomic.
  let current = prepared.compiled
  const overrideLimits = overrideCache()

  function plan(request: unknown): RulesPlan {
    const compiled = current
    const { list: descriptors, overrides } = checkDescriptors(request)
    // No store request can carry more limits than a store takes: checkDescriptors allows at most
    // MAX_LIMITS_PER_REQUEST descriptors, and each matches at most one limit.
    const matched = descriptors.map((d) => matchDescriptor(compiled, d))
    const replaced = new Set<string>()
    for (const m of matched) for (const name of m?.rule.rateLimit?.replaces ?? []) replaced.add(name)
    const enforced: Match[] = []
    const shadow: Match[] = []
    const blocked: Match[] = []
    const shadowBlocked: Match[] = []
    const unlimited: string[] = []
    matched.forEach((m, i) => {
      const override = overrides?.[i]
      if (override !== undefined) {
        // As in the Envoy service: the request's limit stands whatever rule matched (none, an
        // unlimited one, a shadow one), and neither replaces nor is replaced.
        const descriptor = descriptors[i] as Descriptor
        const name = m?.name ?? descriptor.map((e) => e.key).join('.')
        const algorithm =
          override.requestsPerUnit === 0
            ? blockLimit(name, override.windowMs)
            : overrideLimits.get(override, name)
        const match = { algorithm, name, descriptor, index: i, levels: undefined }
        if (override.requestsPerUnit === 0) (globalShadow ? shadowBlocked : blocked).push(match)
        else (globalShadow ? shadow : enforced).push(match)
        return
      }
      const limit = m?.rule.rateLimit
      if (m === undefined || limit === undefined) return
      if (limit.name !== undefined && replaced.has(limit.name)) return
      const isShadow = globalShadow || m.rule.shadowMode
      if (limit.unlimited) {
        unlimited.push(m.name)
        return
      }
      const descriptor = descriptors[i] as Descriptor
      if (limit.blocked) {
        const match = {
          algorithm: blockLimit(m.name, limit.windowMs as number),
          name: m.name,
          descriptor,
          index: i,
          levels: undefined,
        }
        ;(isShadow ? shadowBlocked : blocked).push(match)
        return
      }
      const match = {
        algorithm: limit.algorithm as Algorithm,
        name: m.name,
        descriptor,
        index: i,
        levels: m.levels,
      }
      ;(isShadow ? shadow : enforced).push(match)
    })
    const domain = compiled.ruleSet.domain
    const limits = counters(enforced)
    return {
      limiterKey: start + domain,
      limits,
      maxCost: tightestCost(limits),
      shadow: counters(shadow),
      blocked: blocked.length === 0 ? undefined : counters(blocked),
      shadowBlocked: shadowBlocked.length === 0 ? undefined : counters(shadowBlocked),
      unlimited: unlimited.length === 0 ? undefined : unlimited,
      domain,
      // In the order the pipeline reports them: store-counted shadow limits, then blocked ones.
      shadowDescriptors: shadow.concat(shadowBlocked).map((m) => m.descriptor),
    }
  }

  return {
    plan,
    perCall: true,
    refusesCostObjects:
      'cost: a rules limiter takes one number (units under every limit the request meets); which rules a request meets depends on its descriptors, so costs by limit name are not supported here: give each rule its own limiter, or one number',
    reportShadow(p: RulesPlan, policies: readonly PolicyDecision[]) {
      reportShadowDenials(hooks, p.domain, policies, p.shadowDescriptors)
    },
    shadowFailed(error: unknown) {
      hooks.onShadowError?.(error)
    },
    setRules(rules) {
      current = prepareRules(rules, store, 'setRules').compiled
    },
    get rules() {
      return current.ruleSet
    },
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
  /** The rule each descriptor entry matched (for `share_threshold`); none for limits without state. */
  readonly levels: readonly RuleDescriptor[] | undefined
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
    counterLimit(m.algorithm, m.descriptor, shared.has(m.name) ? `${m.name}[${m.index}]` : m.name, m.levels),
  )
}

function checkHook<T>(value: unknown, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(`createRateLimiter: ${name} must be a function, got ${show(value)}`)
  }
  return value as T | undefined
}
