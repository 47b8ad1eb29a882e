import { sealRuleSet } from './ruleSet.ts'
import { validateRules } from './schema.ts'
import type { RuleSet } from './types.ts'
import { readYaml } from './yaml.ts'

/**
 * Parses and validates rate-limit rules in the Envoy/Lyft ratelimit format from YAML (or JSON)
 * text, or from a plain object of the same shape. A file written for the Envoy service loads
 * unchanged; sluice adds `algorithm` and its parameters under `rate_limit`. Every problem is a
 * `RulesError` naming line and column (for text) and the path (`descriptors[1].rate_limit.unit`).
 *
 * Reading costs time linear in the text's length: text over `MAX_RULES_LENGTH` (256 KiB) is refused
 * before it is parsed, and nesting deeper than `MAX_RULES_DEPTH` (32 levels of mappings and lists)
 * or YAML aliases that copy more than `MAX_ALIASED_NODES` (100,000) nodes in all (the "billion
 * laughs") are refused where they are met.
 *
 * @example
 * import { readFileSync } from 'node:fs'
 * const rules = parseRules(readFileSync('rules.yaml', 'utf8'))
 * const limiter = createRateLimiter({ store: memoryStore(), rules })
 * await limiter.limit({ descriptors: [[{ key: 'route', value: '/login' }]] })
 */
export function parseRules(input: string | object): RuleSet {
  if (typeof input !== 'string') return sealRuleSet(validateRules(input))
  const { data, locate } = readYaml(input)
  return sealRuleSet(validateRules(data, locate))
}
