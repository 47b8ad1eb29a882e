import { RulesError } from '../errors.ts'

/** A 1-based line and column in the rules' text. */
export interface Position {
  readonly line: number
  readonly column: number
}

/**
 * Where each path of the rules was written, for error messages: `part` is `'key'` for the
 * mapping key itself (an unknown key) and `'value'` for what follows it (a bad unit).
 * Object input has no text, so it locates nothing.
 */
export type Locate = (path: string, part: 'key' | 'value') => Position | undefined

/** Makes the `RulesError` for a path of the rules: `'key'` points at the key, `'value'` at what follows. */
export type Fail = (path: string, part: 'key' | 'value', message: string) => RulesError

/** Throws the `RulesError` for `path`, naming line and column when the text is known. */
export function rulesError(
  locate: Locate | undefined,
  path: string,
  part: 'key' | 'value',
  message: string,
): RulesError {
  return rulesErrorAt(locate?.(path, part) ?? nearest(locate, path), path, message)
}

/** The `RulesError` for `path` at a known `position` in the text (or none, for object input). */
export function rulesErrorAt(position: Position | undefined, path: string, message: string): RulesError {
  const where = position === undefined ? '' : `line ${position.line}, column ${position.column}`
  const at = path === '' ? '' : `at ${path}`
  const prefix = [where, at].filter((s) => s !== '').join(', ')
  return new RulesError(`rules: ${prefix === '' ? '' : `${prefix}: `}${message}`, {
    path,
    line: position?.line,
    column: position?.column,
  })
}

// A path that is missing from the text (a required key left out) is reported where its parent is.
function nearest(locate: Locate | undefined, path: string): Position | undefined {
  if (locate === undefined) return undefined
  let p = path
  while (p !== '') {
    p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '')
    const found = locate(p, 'value') ?? locate(p, 'key')
    if (found !== undefined) return found
    if (!/[.[]/.test(p)) break
  }
  return locate('', 'value')
}

/** 1-based line and column of a character offset in `text`. */
export function positionOf(text: string, offset: number): Position {
  let line = 1
  let start = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: offset - start + 1 }
}
