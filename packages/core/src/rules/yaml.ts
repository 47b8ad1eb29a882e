// YAML rules text to plain data with source positions (Node entry only): aliases counted, depth bounded, keys as data.
import { type Alias, isAlias, isMap, isPair, isScalar, isSeq, type Node, visit } from 'yaml'
import { MAX_ALIASED_NODES, MAX_RULES_DEPTH, TOO_DEEP } from './limits.ts'
import { type Locate, type Position, rulesErrorAt } from './location.ts'
import { parseYaml } from './yamlDocument.ts'

/** YAML (or JSON) text as plain data, with where each path was written. */
export interface YamlRules {
  readonly data: unknown
  readonly locate: Locate
}

// Keys and values are strings in the Envoy service's loader, whatever they look like in YAML
// (`value: 123`, `value: 1.10`): they keep the text as written.
const TEXT_FIELDS = new Set(['domain', 'key', 'value', 'name'])

/** An alias being expanded: what it copies, and where it was written. */
interface Expansion {
  readonly target: Node
  readonly alias: Alias
  readonly path: string
}

/**
 * Reads rules text with the `yaml` package (Node entry only). Malformed YAML (a bad indent, a
 * duplicate key, a tab) is a `RulesError` naming line and column, and so is text that would cost
 * more than its length to read: over `MAX_RULES_LENGTH`, nested deeper than `MAX_RULES_DEPTH`, or
 * with aliases that copy more than `MAX_ALIASED_NODES` nodes. Mappings become objects without a
 * prototype, so a key such as `__proto__` is a key like any other (and, in rules, an unknown one).
 */
export function readYaml(text: string): YamlRules {
  const { doc, lines } = parseYaml(text)
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined
    const p = lines.linePos(offset)
    return { line: p.line, column: p.col }
  }
  const offsets = new Map<string, number>()
  const targets = anchorTargets(doc)
  // Aliases open, outermost first: errors inside one point at the alias in the text.
  const expanding: Expansion[] = []
  let aliased = 0

  function fail(node: Node | null, path: string, message: string): Error {
    const outer = expanding[0]
    const offset = outer === undefined ? node?.range?.[0] : outer.alias.range?.[0]
    return rulesErrorAt(at(offset), outer === undefined ? path : outer.path, message)
  }

  function convert(node: unknown, path: string, depth: number): unknown {
    if (expanding.length > 0 && ++aliased > MAX_ALIASED_NODES) {
      throw fail(
        null,
        path,
        `aliases copy more than ${MAX_ALIASED_NODES} nodes into the rules (nested aliases multiply what they copy); write the shared parts out, or use fewer aliases`,
      )
    }
    if (isAlias(node)) return expand(node, path, depth)
    if (isMap(node) || isSeq(node)) {
      if (depth + 1 > MAX_RULES_DEPTH) throw fail(node, path, TOO_DEEP)
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null)
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        const keyNode = pair.key as Node | null
        // A merge key `<<` reads as a symbol (with `merge: true`); a quoted "<<" is a plain key.
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
          mergeInto(out, convert(pair.value, path, depth + 1))
          continue
        }
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode)
        const child = path === '' ? name : `${path}.${name}`
        if (keyNode?.range) offsets.set(`k:${child}`, keyNode.range[0])
        const valueNode = pair.value as Node | null
        if (valueNode?.range) offsets.set(`v:${child}`, valueNode.range[0])
        out[name] =
          TEXT_FIELDS.has(name) &&
          isScalar(valueNode) &&
          valueNode.value !== null &&
          typeof valueNode.value !== 'string'
            ? valueNode.srcToken !== undefined && 'source' in valueNode.srcToken
              ? valueNode.srcToken.source
              : String(valueNode.value)
            : convert(valueNode, child, depth + 1)
      }
      return out
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const child = `${path}[${i}]`
        const range = (item as Node | null)?.range
        if (range) offsets.set(`v:${child}`, range[0])
        return convert(item, child, depth + 1)
      })
    }
    if (isScalar(node)) return node.value
    return node ?? null
  }

  function expand(alias: Alias, path: string, depth: number): unknown {
    const target = targets.get(alias)
    if (target === undefined) {
      throw fail(
        alias,
        path,
        `alias *${alias.source} names no anchor; define &${alias.source} before the alias, or remove it`,
      )
    }
    if (expanding.some((e) => e.target === target)) {
      throw fail(
        alias,
        path,
        `alias *${alias.source} refers to a mapping or list that contains it, so it would never end; remove the alias`,
      )
    }
    expanding.push({ target, alias, path })
    try {
      return convert(target, path, depth)
    } finally {
      expanding.pop()
    }
  }

  const contents = doc.contents as Node | null
  if (contents?.range) offsets.set('v:', contents.range[0])
  const data = convert(contents, '', 0)
  return {
    data: data === null ? undefined : data,
    locate: (path, part) => at(offsets.get(`${part === 'key' ? 'k' : 'v'}:${path}`)),
  }
}

/**
 * What each alias of the document refers to: the last node before it with its anchor, as YAML
 * resolves it. One pass over the document (`Alias.resolve` walks the whole document per call).
 */
function anchorTargets(doc: Parameters<typeof visit>[0]): Map<Alias, Node> {
  const anchors = new Map<string, Node>()
  const targets = new Map<Alias, Node>()
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      const target = anchors.get(node.source)
      if (target !== undefined) targets.set(node, target)
    } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor !== undefined) {
      anchors.set(node.anchor, node)
    }
  })
  return targets
}

function mergeInto(out: Record<string, unknown>, merged: unknown): void {
  for (const source of Array.isArray(merged) ? merged : [merged]) {
    if (typeof source !== 'object' || source === null) continue
    for (const [k, v] of Object.entries(source)) if (!Object.hasOwn(out, k)) out[k] = v
  }
}
