import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { RulesError } from '../errors.ts'
import type { Locate, Position } from './location.ts'

/** YAML (or JSON) text as plain data, with where each path was written. */
export interface YamlRules {
  readonly data: unknown
  readonly locate: Locate
}

// Keys and values are strings in the Envoy service's loader, whatever they look like in YAML
// (`value: 123`, `value: 1.10`): they keep the text as written.
const TEXT_FIELDS = new Set(['domain', 'key', 'value', 'name'])

/**
 * Reads rules text with the `yaml` package (Node entry only). Malformed YAML (a bad indent, a
 * duplicate key, a tab) is a `RulesError` naming line and column.
 */
export function readYaml(text: string): YamlRules {
  const lines = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter: lines,
    keepSourceTokens: true,
    merge: true,
    prettyErrors: false,
  })
  const problem = doc.errors[0]
  if (problem !== undefined) {
    const pos = lines.linePos(problem.pos[0])
    throw new RulesError(
      `rules: line ${pos.line}, column ${pos.col}: malformed YAML: ${problem.message.split('\n')[0]}`,
      { line: pos.line, column: pos.col },
      { cause: problem },
    )
  }
  const offsets = new Map<string, number>()
  const at = (offset: number | undefined): Position | undefined => {
    if (offset === undefined) return undefined
    const p = lines.linePos(offset)
    return { line: p.line, column: p.col }
  }

  function convert(node: unknown, path: string, seen: Set<unknown>): unknown {
    if (isAlias(node)) {
      const target = node.resolve(doc)
      if (target === undefined || seen.has(target)) return undefined
      return convert(target, path, new Set([...seen, target]))
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {}
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        const keyNode = pair.key as Node | null
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode)
        if (name === '<<') {
          mergeInto(out, convert(pair.value, path, seen))
          continue
        }
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
            : convert(valueNode, child, seen)
      }
      return out
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const child = `${path}[${i}]`
        const range = (item as Node | null)?.range
        if (range) offsets.set(`v:${child}`, range[0])
        return convert(item, child, seen)
      })
    }
    if (isScalar(node)) return node.value
    return node ?? null
  }

  const contents = doc.contents as Node | null
  if (contents?.range) offsets.set('v:', contents.range[0])
  const data = convert(contents, '', new Set())
  return {
    data: data === null ? undefined : data,
    locate: (path, part) => at(offsets.get(`${part === 'key' ? 'k' : 'v'}:${path}`)),
  }
}

function mergeInto(out: Record<string, unknown>, merged: unknown): void {
  for (const source of Array.isArray(merged) ? merged : [merged]) {
    if (typeof source !== 'object' || source === null) continue
    for (const [k, v] of Object.entries(source)) if (!(k in out)) out[k] = v
  }
}
