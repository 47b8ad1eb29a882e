// Which rule a request descriptor matches, level by level, as the Envoy service decides it.
import { compileGlob, type Glob, isGlob, matchGlob } from './glob.ts'
import type { Descriptor, RuleDescriptor, RuleSet } from './types.ts'

/** One level of the rules' tree, indexed the way the Envoy service looks entries up. */
interface Level {
  /** `key\0value` → descriptor with that exact value. */
  readonly exact: ReadonlyMap<string, Node>
  /** `key` → its descriptors whose value holds `*`, in file order: the first that fits wins. */
  readonly wildcards: ReadonlyMap<string, readonly Wildcard[]>
  /** `key` → descriptor without a value. */
  readonly byKey: ReadonlyMap<string, Node>
}

interface Wildcard {
  readonly glob: Glob
  readonly node: Node
}

interface Node {
  readonly rule: RuleDescriptor
  readonly name: string
  readonly children: Level | undefined
}

/** The rule a request descriptor matched, and the policy name its limit goes by. */
export interface MatchedRule {
  readonly rule: RuleDescriptor
  /**
   * The limit's `name`, or else the rule's place in the file as the Envoy service names it in
   * stats: each level's key, with the value the file gives (`route_/login.user`). Never a value
   * from the request: an unnamed per-value rule (`key: user`) must not show a user's id or e-mail
   * address in headers and bodies.
   */
  readonly name: string
  /** The rule each entry of the descriptor matched, level by level (the last is `rule`). */
  readonly levels: readonly RuleDescriptor[]
}

/** A rule set compiled for matching; built once per set, before the set is put in use. */
export interface CompiledRules {
  readonly ruleSet: RuleSet
  readonly root: Level
}

/** Indexes a rule set for {@link matchDescriptor}; each wildcard value is compiled once, here. */
export function compileRules(ruleSet: RuleSet): CompiledRules {
  return Object.freeze({ ruleSet, root: level(ruleSet.descriptors, undefined) })
}

function level(descriptors: readonly RuleDescriptor[], parent: string | undefined): Level {
  const exact = new Map<string, Node>()
  const wildcards = new Map<string, Wildcard[]>()
  const byKey = new Map<string, Node>()
  for (const rule of descriptors) {
    const part = rule.value === undefined ? rule.key : `${rule.key}_${rule.value}`
    const place = parent === undefined ? part : `${parent}.${part}`
    const node: Node = {
      rule,
      name: rule.rateLimit?.name ?? place,
      children: rule.descriptors.length > 0 ? level(rule.descriptors, place) : undefined,
    }
    if (rule.value === undefined) byKey.set(rule.key, node)
    else if (isGlob(rule.value)) {
      const list = wildcards.get(rule.key) ?? []
      list.push({ glob: compileGlob(rule.value), node })
      wildcards.set(rule.key, list)
    } else exact.set(`${rule.key}\u0000${rule.value}`, node)
  }
  return { exact, wildcards, byKey }
}

/**
 * The rule whose limit applies to one request descriptor, as the Envoy service decides it:
 * level by level, an entry matches key+value first, then the first wildcard value of that key in
 * file order (`*` anywhere: `foo*`, `api*v1`, `a*b*c`), then the key alone; the limit applies only
 * at the level of the descriptor's last entry (same depth). A match that leads nowhere does not
 * fall back to a less specific one, which is how a descriptor with no limit and no children
 * allow-lists a value. `undefined`: no limit for this descriptor. Time: one map look-up per entry,
 * plus one linear pass over the value per wildcard of that key tried.
 */
export function matchDescriptor(rules: CompiledRules, descriptor: Descriptor): MatchedRule | undefined {
  let current: Level | undefined = rules.root
  const levels: RuleDescriptor[] = []
  for (let i = 0; i < descriptor.length && current !== undefined; i++) {
    const { key, value } = descriptor[i] as Descriptor[number]
    const node: Node | undefined =
      current.exact.get(`${key}\u0000${value}`) ?? wildcard(current, key, value) ?? current.byKey.get(key)
    if (node === undefined) return undefined
    levels.push(node.rule)
    if (i === descriptor.length - 1) {
      return node.rule.rateLimit === undefined ? undefined : { rule: node.rule, name: node.name, levels }
    }
    current = node.children
  }
  return undefined
}

function wildcard(level: Level, key: string, value: string): Node | undefined {
  const list = level.wildcards.get(key)
  if (list === undefined) return undefined
  for (const w of list) if (matchGlob(w.glob, value)) return w.node
  return undefined
}
