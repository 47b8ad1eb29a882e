// A descriptor's `metadata`: free-form data the file attaches to a rule, copied as plain, frozen data.
import { show } from '../validate.ts'
import { MAX_RULES_DEPTH, TOO_DEEP } from './limits.ts'
import type { Fail } from './location.ts'

/**
 * Copies `metadata` (a mapping of strings, numbers, booleans, nulls, lists and mappings, as YAML
 * or JSON give it) into frozen objects without a prototype, bounded by `MAX_RULES_DEPTH` (so a
 * cyclic object is refused, not followed forever). It changes no decision: sluice keeps it on the
 * rule (`RuleDescriptor.metadata`) for the application to read.
 */
export function metadata(
  value: unknown,
  path: string,
  depth: number,
  fail: Fail,
): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(path, 'value', `metadata must be a mapping (name: value, …), got ${show(value)}`)
  }
  return copy(value, path, depth, fail) as Readonly<Record<string, unknown>>
}

function copy(value: unknown, path: string, depth: number, fail: Fail): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value
    throw fail(path, 'value', `metadata values must be finite numbers, got ${show(value)}`)
  }
  if (typeof value !== 'object') {
    throw fail(
      path,
      'value',
      `metadata holds strings, numbers, booleans, lists and mappings, got ${show(value)}`,
    )
  }
  if (depth > MAX_RULES_DEPTH) throw fail(path, 'value', TOO_DEEP)
  if (Array.isArray(value)) {
    return Object.freeze(value.map((item, i) => copy(item, `${path}[${i}]`, depth + 1, fail)))
  }
  const out: Record<string, unknown> = Object.create(null)
  for (const k of Object.keys(value)) {
    out[k] = copy((value as Record<string, unknown>)[k], `${path}.${k}`, depth + 1, fail)
  }
  return Object.freeze(out)
}
