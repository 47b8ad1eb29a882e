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
