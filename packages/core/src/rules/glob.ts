// A rule value with `*` as the Envoy service reads it: a glob where each `*` stands for any run of characters, matched in linear time.

/** A glob compiled once per rule: the literal pieces between its `*`s, each with its KMP table. */
export interface Glob {
  /** The value as the file gives it (`api*v1`). */
  readonly pattern: string
  /** The text before the first `*`: a value must start with it. */
  readonly head: string
  /** The text after the last `*`: a value must end with it. */
  readonly tail: string
  /** The non-empty pieces between `*`s, in order, with their failure tables. */
  readonly middle: readonly Piece[]
  /** The fewest characters a matching value has (head, tail and every middle piece). */
  readonly minLength: number
}

interface Piece {
  readonly text: string
  /** KMP failure function: the longest proper border of `text.slice(0, i + 1)`. */
  readonly border: Int32Array
}

/** True when a rule value is a wildcard: any `*` in it, anywhere, is one (the service has no escape). */
export function isGlob(value: string): boolean {
  return value.includes('*')
}

/**
 * Compiles a value holding `*` into a {@link Glob}: `foo*` (a prefix), `*bar`, `foo*bar`,
 * `api*v1`, `a*b*c`. Runs of `*` are one `*`.
 *
 * @example
 * matchGlob(compileGlob('api*v1'), 'api/users/v1') // true
 */
export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*')
  const head = parts[0] as string
  const tail = parts[parts.length - 1] as string
  const middle: Piece[] = []
  for (let i = 1; i < parts.length - 1; i++) {
    const text = parts[i] as string
    if (text !== '') middle.push({ text, border: borders(text) })
  }
  let minLength = head.length + tail.length
  for (const p of middle) minLength += p.text.length
  return Object.freeze({ pattern, head, tail, middle: Object.freeze(middle), minLength })
}

/**
 * Whether `value` matches `glob`, in time linear in `value` and the pattern: the head and tail are
 * compared in place, and each middle piece is found, leftmost, with Knuth–Morris–Pratt after the
 * previous one (a leftmost match never loses a match a later one would find, since `*` takes any
 * run). No backtracking, so no pattern can make a request cost more than a pass over its value.
 */
export function matchGlob(glob: Glob, value: string): boolean {
  // No `*` at all: the head is the whole pattern, and only the pattern itself fits.
  if (glob.head === glob.pattern) return value === glob.pattern
  if (value.length < glob.minLength) return false
  if (!value.startsWith(glob.head) || !value.endsWith(glob.tail)) return false
  // Head and tail may not overlap: `ab*ba` does not match `aba`. minLength ensures it.
  let from = glob.head.length
  const end = value.length - glob.tail.length
  for (const piece of glob.middle) {
    const at = find(piece, value, from, end)
    if (at < 0) return false
    from = at + piece.text.length
  }
  return true
}

/** Where `piece` first occurs in `value[from, end)`, or -1. */
function find(piece: Piece, value: string, from: number, end: number): number {
  const { text, border } = piece
  let k = 0
  for (let i = from; i < end; i++) {
    const c = value.charCodeAt(i)
    while (k > 0 && text.charCodeAt(k) !== c) k = border[k - 1] as number
    if (text.charCodeAt(k) === c) k++
    if (k === text.length) return i - k + 1
  }
  return -1
}

function borders(text: string): Int32Array {
  const border = new Int32Array(text.length)
  let k = 0
  for (let i = 1; i < text.length; i++) {
    while (k > 0 && text.charCodeAt(i) !== text.charCodeAt(k)) k = border[k - 1] as number
    if (text.charCodeAt(i) === text.charCodeAt(k)) k++
    border[i] = k
  }
  return border
}
