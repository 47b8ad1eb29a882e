import type { Descriptor, RuleDescriptor, RuleSet } from './types.ts'

/** One level of the rules' tree, indexed the way the Envoy service looks entries up. */
interface Level {
  /** `key\0value` → descriptor with that exact value. */
  readonly exact: ReadonlyMap<string, Node>
  /** Descriptors whose value ends in `*`, in file order: the first prefix that fits wins. */
  readonly wildcards: readonly { readonly key: string; readonly prefix: string; readonly node: Node }[]
  /** `key` → descriptor without a value. */
  readonly byKey: ReadonlyMap<string, Node>
}

interface Node extends MatchedRule {
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
}

/** A rule set compiled for matching; built once per set, before the set is put in use. */
export interface CompiledRules {
  readonly ruleSet: RuleSet
  readonly root: Level
}

/** Indexes a rule set for {@link matchDescriptor}. */
export function compileRules(ruleSet: RuleSet): CompiledRules {
  return Object.freeze({ ruleSet, root: level(ruleSet.descriptors, undefined) })
}

function level(descriptors: readonly RuleDescriptor[], parent: string | undefined): Level {
  const exact = new Map<string, Node>()
  const wildcards: { key: string; prefix: string; node: Node }[] = []
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
    else if (rule.value.endsWith('*'))
      wildcards.push({ key: rule.key, prefix: rule.value.slice(0, -1), node })
    else exact.set(`${rule.key}\u0000${rule.value}`, node)
  }
  return { exact, wildcards, byKey }
}

/**
 * The rule whose limit applies to one request descriptor, as the Envoy service decides it:
 * level by level, an entry matches key+value first, then a wildcard value (`prefix*`), then the key
 * alone; the limit applies only at the level of the descriptor's last entry (same depth). A match
 * that leads nowhere does not fall back to a less specific one, which is how a descriptor with no
 * limit and no children allow-lists a value. `undefined`: no limit for this descriptor.
 */
export function matchDescriptor(rules: CompiledRules, descriptor: Descriptor): MatchedRule | undefined {
  let current: Level | undefined = rules.root
  let found: MatchedRule | undefined
  for (let i = 0; i < descriptor.length && current !== undefined; i++) {
    const { key, value } = descriptor[i] as Descriptor[number]
    const node: Node | undefined =
      current.exact.get(`${key}\u0000${value}`) ?? wildcard(current, key, value) ?? current.byKey.get(key)
    if (node === undefined) return undefined
    if (i === descriptor.length - 1 && node.rule.rateLimit !== undefined) found = node
    current = node.children
  }
  return found
}

function wildcard(level: Level, key: string, value: string): Node | undefined {
  for (const w of level.wildcards) {
    if (w.key === key && value.startsWith(w.prefix)) return w.node
  }
  return undefined
}
