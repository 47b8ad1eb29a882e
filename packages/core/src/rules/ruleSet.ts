import type { Algorithm } from '../algorithm.ts'
import { ConfigError, UnsupportedAlgorithmError } from '../errors.ts'
import type { Store } from '../store.ts'
import { show } from '../validate.ts'
import { type CompiledRules, compileRules } from './match.ts'
import { validateRules } from './schema.ts'
import type { RuleDescriptor, RuleSet } from './types.ts'

// Rule sets made by parseRules: anything else given as `rules` is validated as a plain object.
const parsed = new WeakSet<RuleSet>()

/** Marks a rule set as validated and frozen by `parseRules`. */
export function sealRuleSet(ruleSet: RuleSet): RuleSet {
  parsed.add(ruleSet)
  return ruleSet
}

/** A validated rule set ready for a limiter: indexed for matching, with every limit it holds. */
export interface PreparedRules {
  readonly compiled: CompiledRules
  readonly algorithms: readonly Algorithm[]
}

/**
 * Validates `rules` (a `RuleSet` from `parseRules`, or a plain object of the file's shape) against
 * `store` and indexes it. Everything that can fail happens here, before a rule set is put in use.
 */
export function prepareRules(rules: unknown, store: Store, factory: string): PreparedRules {
  if (typeof rules !== 'object' || rules === null) {
    throw new ConfigError(
      `${factory}: rules must come from parseRules(text) or be an object { domain, descriptors }, got ${show(rules)}`,
    )
  }
  const ruleSet = parsed.has(rules as RuleSet) ? (rules as RuleSet) : validateRules(rules)
  const algorithms: Algorithm[] = []
  const collect = (list: readonly RuleDescriptor[]): void => {
    for (const d of list) {
      if (d.rateLimit?.algorithm !== undefined) algorithms.push(d.rateLimit.algorithm)
      collect(d.descriptors)
    }
  }
  collect(ruleSet.descriptors)
  for (const a of algorithms) {
    if (!store.capabilities.algorithms.includes(a.kind)) {
      const why = store.capabilities.unsupported?.[a.kind]
      throw new UnsupportedAlgorithmError(
        `${factory}: the ${store.name} store cannot run ${a.kind}${typeof why === 'string' ? ` (${why})` : ''}, which the rules of domain ${JSON.stringify(ruleSet.domain)} use; it supports ${store.capabilities.algorithms.join(', ')}`,
      )
    }
  }
  if (!store.capabilities.composite) {
    throw new UnsupportedAlgorithmError(
      `${factory}: rules need a store that applies several limits atomically; the ${store.name} store cannot`,
    )
  }
  return { compiled: compileRules(ruleSet), algorithms }
}
