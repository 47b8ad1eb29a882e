import { RulesError } from '../errors.ts'
import { show } from '../validate.ts'
import { checkRulesLength } from './limits.ts'
import { positionOf } from './location.ts'
import { sealRuleSet } from './ruleSet.ts'
import { validateRules } from './schema.ts'
import type { RuleSet } from './types.ts'

/**
 * Parses and validates rate-limit rules in the Envoy/Lyft ratelimit format (`domain`, nested
 * `descriptors` with `key`, `value`, `rate_limit`, `shadow_mode`) plus sluice's `algorithm`
 * extensions, from a plain object or JSON text. Every problem is a `RulesError` naming where.
 *
 * This one, from `@sluice/core`, runs anywhere and never loads a YAML parser: YAML text is a
 * `RulesError` saying to import `parseRules` from `@sluice/core/yaml` (Node), which reads YAML too
 * (elsewhere, parse it with a YAML library first and pass the object). Text over
 * `MAX_RULES_LENGTH` (256 KiB) and rules nested deeper than `MAX_RULES_DEPTH` (32 levels of mappings
 * and lists) are refused.
 *
 * @example
 * const rules = parseRules({
 *   domain: 'api',
 *   descriptors: [{ key: 'user', rate_limit: { unit: 'second', requests_per_unit: 10 } }],
 * })
 * const limiter = createRateLimiter({ store: memoryStore(), rules })
 */
export function parseRules(input: string | object): RuleSet {
  if (typeof input !== 'string') return sealRuleSet(validateRules(input))
  checkRulesLength(input)
  const trimmed = input.trimStart()
  if (!trimmed.startsWith('{')) {
    throw new RulesError(
      "rules: YAML text needs the Node entry of @sluice/core, @sluice/core/yaml: import { parseRules } from '@sluice/core/yaml' (it reads YAML, JSON and objects); or pass JSON text or the parsed object",
    )
  }
  let data: unknown
  try {
    data = JSON.parse(input)
  } catch (cause) {
    throw jsonError(input, cause)
  }
  // Errors name the path (descriptors[1].rate_limit.unit); @sluice/core/yaml adds line and column.
  return sealRuleSet(validateRules(data))
}

function jsonError(text: string, cause: unknown): RulesError {
  const message = cause instanceof Error ? cause.message : show(cause)
  const at = /position (\d+)/.exec(message)
  const position = at === null ? undefined : positionOf(text, Number(at[1]))
  const where = position === undefined ? '' : `line ${position.line}, column ${position.column}: `
  return new RulesError(`rules: ${where}malformed JSON: ${message}`, { ...position }, { cause })
}
