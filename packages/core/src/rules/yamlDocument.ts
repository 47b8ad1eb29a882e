// Rules text to a YAML document (Node entry only), refusing what would make the parser itself hang or overflow.
import { Composer, type CST, type Document, LineCounter, Parser } from 'yaml'
import { RulesError } from '../errors.ts'
import { checkRulesLength, MAX_RULES_DEPTH, TOO_DEEP } from './limits.ts'
import { rulesErrorAt } from './location.ts'

// The yaml composer builds nested collections by recursion and runs out of stack some hundreds of
// levels down (at worst crashing the process), so its input is measured first. Past the rules'
// own limit, so that a file only a few levels too deep gets the walker's message with its path.
const PARSER_DEPTH_GUARD = 4 * MAX_RULES_DEPTH

/** A parsed YAML document and where each of its offsets is in the text. */
export interface ParsedYaml {
  readonly doc: Document.Parsed
  readonly lines: LineCounter
}

/**
 * Parses rules text into one YAML document, in time linear in the text: it refuses text over
 * `MAX_RULES_LENGTH` and nesting the composer could not take before composing, and turns the
 * first YAML error into a `RulesError` naming line and column.
 */
export function parseYaml(text: string): ParsedYaml {
  checkRulesLength(text)
  const lines = new LineCounter()
  // The same steps as yaml's parseDocument, with the syntax tree measured in between.
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text))
  for (const token of tokens) {
    const deep = tooDeepAt(token)
    if (deep !== undefined) throw rulesErrorAt(position(lines, deep), '', TOO_DEEP)
  }
  const composer = new Composer({ keepSourceTokens: true, merge: true })
  // Each YAML error is an Error, and capturing a stack for each made a megabyte of malformed text
  // take seconds; only their messages and positions are used.
  const errors = Error as ErrorConstructor & { stackTraceLimit?: number }
  const stackTraceLimit = errors.stackTraceLimit
  let docs: Document.Parsed[]
  try {
    errors.stackTraceLimit = 0
    docs = Array.from(composer.compose(tokens, true, text.length))
  } finally {
    errors.stackTraceLimit = stackTraceLimit
  }
  const doc = docs[0] as Document.Parsed
  const problem = doc.errors[0]
  if (problem !== undefined) {
    const at = position(lines, problem.pos[0])
    throw new RulesError(
      `rules: line ${at.line}, column ${at.column}: malformed YAML: ${problem.message.split('\n')[0]}`,
      at,
      { cause: problem },
    )
  }
  const second = docs[1]
  if (second !== undefined) {
    const at = position(lines, second.range[0])
    throw new RulesError(
      `rules: line ${at.line}, column ${at.column}: the text holds more than one YAML document (a second \`---\`); give one domain's rules per text`,
      at,
    )
  }
  return { doc, lines }
}

function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset)
  return { line: p.line, column: p.col }
}

/** The offset of a collection nested deeper than the guard, or undefined; a loop, not recursion. */
function tooDeepAt(root: CST.Token): number | undefined {
  const pending: [CST.Token, number][] = [[root, 0]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next
    if (token.type === 'document') {
      if (token.value !== undefined) pending.push([token.value, depth])
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > PARSER_DEPTH_GUARD) return token.offset
      for (const item of token.items) {
        if (item.key !== undefined && item.key !== null) pending.push([item.key, depth + 1])
        if (item.value !== undefined) pending.push([item.value, depth + 1])
      }
    }
  }
  return undefined
}
