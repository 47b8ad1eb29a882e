import type { AlgorithmKind } from '../algorithm.ts'
import type { RulesError } from '../errors.ts'
import { didYouMean } from '../suggest.ts'
import { show } from '../validate.ts'
import { isGlob } from './glob.ts'
import { MAX_DESCRIPTOR_LENGTH, MAX_RULES_DEPTH, TOO_DEEP } from './limits.ts'
import { type Locate, rulesError } from './location.ts'
import { metadata } from './metadata.ts'
import { ALGORITHM_PARAMS, ALL_PARAMS, algorithmKind, ruleAlgorithm } from './ruleAlgorithm.ts'
import { fields, flag, knownKeys, snake } from './schemaFields.ts'
import type { RuleDescriptor, RuleLimit, RuleSet } from './types.ts'
import { RULE_UNITS, unitMs } from './units.ts'
import { unsupportedKey } from './unsupported.ts'

const ROOT_KEYS = ['domain', 'descriptors']
// `detailed_metric` and `value_to_metric` only shape statistics names (ShadowDeny.statName).
const DESCRIPTOR_KEYS = [
  'key',
  'value',
  'rate_limit',
  'shadow_mode',
  // Read only to refuse `true` by name (unsupported.ts); `false` is the service's default.
  'quota_mode',
  'detailed_metric',
  'value_to_metric',
  'share_threshold',
  'metadata',
  'descriptors',
]
const LIMIT_KEYS = [
  'unit',
  'requests_per_unit',
  'unit_multiplier',
  'unlimited',
  'name',
  'replaces',
  'algorithm',
  ...ALL_PARAMS,
]
const REPLACES_KEYS = ['name']

/**
 * Validates rules given as a plain object (what a YAML or JSON file holds) and returns the
 * immutable `RuleSet`. Every problem is a `RulesError` naming its path and, with `locate`, the
 * line and column of the text it came from. Only own fields are read, so keys such as
 * `__proto__` or `constructor` are unknown keys and a polluted `Object.prototype` adds nothing;
 * nesting deeper than `MAX_RULES_DEPTH` (or a cycle) is refused rather than overflowing the stack.
 */
export function validateRules(input: unknown, locate?: Locate): RuleSet {
  const fail = (path: string, part: 'key' | 'value', message: string): RulesError =>
    rulesError(locate, path, part, message)

  const root = fields(input, '', fail, 'the rules must be a mapping with domain and descriptors', 1)
  knownKeys(root, '', ROOT_KEYS, fail)
  const domain = root.domain
  if (typeof domain !== 'string' || domain.trim() === '') {
    throw fail('domain', 'value', `domain must be a non-empty string such as "api", got ${show(domain)}`)
  }

  // `depth`: how deep the list or mapping being read is, the top-level mapping being 1.
  function descriptorList(value: unknown, path: string, depth: number): RuleDescriptor[] {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) {
      throw fail(path, 'value', `descriptors must be a list of descriptors (- key: …), got ${show(value)}`)
    }
    if (depth > MAX_RULES_DEPTH) throw fail(path, 'value', TOO_DEEP)
    const seen = new Map<string, string>()
    return value.map((item, i) => {
      const d = descriptor(item, `${path}[${i}]`, depth + 1)
      const identity = d.value === undefined ? `${d.key}` : `${d.key}\u0000${d.value}`
      const earlier = seen.get(identity)
      if (earlier !== undefined) {
        const what =
          d.value === undefined
            ? `key ${JSON.stringify(d.key)} without a value`
            : `key ${JSON.stringify(d.key)} with value ${JSON.stringify(d.value)}`
        throw fail(
          `${path}[${i}]`,
          'value',
          `duplicate descriptor: ${what} is already defined at ${earlier}; merge the two`,
        )
      }
      seen.set(identity, `${path}[${i}]`)
      return d
    })
  }

  function descriptor(value: unknown, path: string, depth: number): RuleDescriptor {
    const d = fields(value, path, fail, 'each descriptor must be a mapping with at least a key', depth)
    knownKeys(d, path, DESCRIPTOR_KEYS, fail)
    const key = d.key
    if (typeof key !== 'string' || key === '') {
      throw fail(
        key === undefined ? path : `${path}.key`,
        'value',
        `key must be a non-empty string, got ${show(key)}`,
      )
    }
    checkLength(key, `${path}.key`, 'key')
    const v = d.value
    if (v !== undefined && (typeof v !== 'string' || v === '')) {
      throw fail(
        `${path}.value`,
        'value',
        `value must be a non-empty string (or left out to give each value its own counter), got ${show(v)}`,
      )
    }
    // A wildcard's `*`s are not part of what it matches: only its other characters must fit.
    if (v !== undefined) checkLength(v.replaceAll('*', ''), `${path}.value`, 'value')
    const shadowMode = flag(d.shadow_mode, `${path}.shadow_mode`, fail)
    if (flag(d.quota_mode, `${path}.quota_mode`, fail)) {
      throw fail(`${path}.quota_mode`, 'key', unsupportedKey('quota_mode') as string)
    }
    const shareThreshold = flag(d.share_threshold, `${path}.share_threshold`, fail)
    if (shareThreshold && (v === undefined || !isGlob(v))) {
      throw fail(
        `${path}.share_threshold`,
        'key',
        v === undefined
          ? 'share_threshold: true needs a wildcard value: a descriptor without a value gives each value its own counter. To give every value one shared counter, write value: "*"'
          : `share_threshold: true needs a wildcard value (with *); ${JSON.stringify(v)} matches one value, which has one counter anyway: remove share_threshold`,
      )
    }
    return Object.freeze({
      key,
      value: v as string | undefined,
      rateLimit:
        d.rate_limit === undefined ? undefined : limit(d.rate_limit, `${path}.rate_limit`, depth + 1),
      shadowMode,
      shareThreshold,
      detailedMetric: flag(d.detailed_metric, `${path}.detailed_metric`, fail),
      valueToMetric: flag(d.value_to_metric, `${path}.value_to_metric`, fail),
      metadata:
        d.metadata === undefined ? undefined : metadata(d.metadata, `${path}.metadata`, depth + 1, fail),
      descriptors: Object.freeze(descriptorList(d.descriptors, `${path}.descriptors`, depth + 1)),
      path,
    })
  }

  // A request value can be no longer, so a longer one in the rules could never match.
  function checkLength(text: string, path: string, what: 'key' | 'value'): void {
    if (text.length > MAX_DESCRIPTOR_LENGTH) {
      throw fail(
        path,
        'value',
        `${what} is ${text.length} UTF-16 code units long; the most a request may send is ${MAX_DESCRIPTOR_LENGTH}, so it could never match: shorten it`,
      )
    }
  }

  function limit(value: unknown, path: string, depth: number): RuleLimit {
    const l = fields(
      value,
      path,
      fail,
      'rate_limit must be a mapping such as { unit: minute, requests_per_unit: 100 }',
      depth,
    )
    knownKeys(l, path, LIMIT_KEYS, fail)
    const name = l.name
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
      throw fail(`${path}.name`, 'value', `name must be a non-empty string, got ${show(name)}`)
    }
    const replaces = replacesList(l.replaces, `${path}.replaces`, name as string | undefined, depth + 1)
    const unlimited = flag(l.unlimited, `${path}.unlimited`, fail)
    if (unlimited) {
      // The Envoy service ignores requests_per_unit next to unlimited; so does sluice, for its files.
      for (const k of ['unit', 'unit_multiplier', 'algorithm', ...ALL_PARAMS]) {
        if (l[k] !== undefined) {
          throw fail(
            `${path}.${k}`,
            'key',
            `${k} cannot be given with unlimited: true (an unlimited descriptor counts nothing); remove one of them`,
          )
        }
      }
      return Object.freeze({
        unlimited,
        blocked: false,
        windowMs: undefined,
        algorithm: undefined,
        name: name as string | undefined,
        replaces,
      })
    }
    const unit = l.unit
    const ms = typeof unit === 'string' ? unitMs(unit) : undefined
    if (ms === undefined) {
      const units = Object.keys(RULE_UNITS)
      const hint =
        typeof unit === 'string'
          ? didYouMean(unit, units).replace('the keys allowed here are', 'units are')
          : `; units are ${units.join(', ')}`
      throw fail(
        unit === undefined ? path : `${path}.unit`,
        'value',
        unit === undefined
          ? `unit is missing; add unit: second, minute, hour, day, week, month or year (or unlimited: true)`
          : `unknown unit ${show(unit)}${hint}`,
      )
    }
    const multiplier = l.unit_multiplier ?? 1
    if (typeof multiplier !== 'number' || !Number.isInteger(multiplier) || multiplier < 1) {
      throw fail(
        `${path}.unit_multiplier`,
        'value',
        `unit_multiplier must be a whole number ≥ 1 (the window is unit × unit_multiplier), got ${show(multiplier)}`,
      )
    }
    const windowMs = ms * multiplier
    const requests = l.requests_per_unit
    if (typeof requests !== 'number' || !Number.isInteger(requests) || requests < 0) {
      throw fail(
        requests === undefined ? path : `${path}.requests_per_unit`,
        'value',
        requests === undefined
          ? 'requests_per_unit is missing; add requests_per_unit: a whole number (0 refuses every request)'
          : `requests_per_unit must be a whole number ≥ 0 (0 refuses every request), got ${show(requests)}`,
      )
    }
    if (requests === 0) {
      // The service's block list: nothing to count, so no algorithm and no parameters.
      for (const k of ['algorithm', ...ALL_PARAMS]) {
        if (l[k] !== undefined) {
          throw fail(
            `${path}.${k}`,
            'key',
            `${k} cannot be given with requests_per_unit: 0 (it refuses every request and counts nothing); remove one of them`,
          )
        }
      }
      return Object.freeze({
        unlimited,
        blocked: true,
        windowMs,
        algorithm: undefined,
        name: name as string | undefined,
        replaces,
      })
    }
    let kind: AlgorithmKind = 'fixedWindow'
    if (l.algorithm !== undefined) {
      const k = algorithmKind(l.algorithm)
      if (!Object.hasOwn(ALGORITHM_PARAMS, k)) throw fail(`${path}.algorithm`, 'value', k)
      kind = k as AlgorithmKind
    }
    const params: Record<string, number> = {}
    for (const p of ALL_PARAMS) {
      const given = l[p]
      if (given === undefined) continue
      if (!ALGORITHM_PARAMS[kind].includes(p)) {
        const owners = (Object.keys(ALGORITHM_PARAMS) as AlgorithmKind[]).filter((a) =>
          ALGORITHM_PARAMS[a].includes(p),
        )
        throw fail(
          `${path}.${p}`,
          'key',
          `${p} is a parameter of ${owners.join(' and ')}, not of ${kind}; remove it or set algorithm: ${owners.map(snake).join(' / ')}`,
        )
      }
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
        throw fail(`${path}.${p}`, 'value', `${p} must be a whole number ≥ 1, got ${show(given)}`)
      }
      params[p] = given
    }
    const algorithm = ruleAlgorithm(kind, requests, windowMs, params, name as string | undefined)
    if (typeof algorithm === 'string') throw fail(path, 'value', algorithm)
    return Object.freeze({
      unlimited,
      blocked: false,
      windowMs,
      algorithm,
      name: name as string | undefined,
      replaces,
    })
  }

  function replacesList(
    value: unknown,
    path: string,
    own: string | undefined,
    depth: number,
  ): readonly string[] {
    if (value === undefined) return Object.freeze([])
    if (!Array.isArray(value)) {
      throw fail(path, 'value', `replaces must be a list such as [{ name: other_limit }], got ${show(value)}`)
    }
    if (depth > MAX_RULES_DEPTH) throw fail(path, 'value', TOO_DEEP)
    return Object.freeze(
      value.map((item, i) => {
        const r = fields(
          item,
          `${path}[${i}]`,
          fail,
          'each replaces entry must be a mapping { name: … }',
          depth + 1,
        )
        knownKeys(r, `${path}[${i}]`, REPLACES_KEYS, fail)
        if (typeof r.name !== 'string' || r.name.trim() === '') {
          throw fail(`${path}[${i}]`, 'value', `replaces entries need a non-empty name, got ${show(r.name)}`)
        }
        if (r.name === own) {
          throw fail(
            `${path}[${i}].name`,
            'value',
            `a limit cannot replace itself (${JSON.stringify(own)}); name the limit it replaces`,
          )
        }
        return r.name
      }),
    )
  }

  return Object.freeze({
    domain,
    descriptors: Object.freeze(descriptorList(root.descriptors, 'descriptors', 2)),
  })
}
