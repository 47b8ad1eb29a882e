// RFC 9651 (Structured Field Values) serialisation: just the pieces the RateLimit fields use.

const PRINTABLE_NO_PERCENT = /^[\x20-\x24\x26-\x7e]*$/
const MAX_SF_INTEGER = 999_999_999_999_999

const PRINTABLE = /^[\x20-\x7e]*$/

/**
 * A policy name as it appears in headers and problem bodies: unchanged when it is printable ASCII
 * without `%`; otherwise every character outside `%x20-7E`, and `%` itself, is percent-encoded as
 * UTF-8 (`é` → `%C3%A9`, `%` → `%25`, a lone surrogate → `%EF%BF%BD`), as RFC 9651 Display
 * Strings do. `decodeURIComponent` gives the original back. Control characters can therefore never
 * reach a header. The result is printable ASCII, which `sfString` leaves as it is.
 *
 * @example asciiPolicyName('café') // 'caf%C3%A9'
 */
export function asciiPolicyName(name: string): string {
  return PRINTABLE_NO_PERCENT.test(name) ? name : encodeOutside(name, true)
}

function encodeOutside(text: string, percentToo: boolean): string {
  let out = ''
  for (const char of text) {
    const cp = char.codePointAt(0) as number
    if (cp >= 0x20 && cp <= 0x7e && !(percentToo && cp === 0x25)) out += char
    else out += percentEncode(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp)
  }
  return out
}

function percentEncode(cp: number): string {
  const bytes =
    cp < 0x80
      ? [cp]
      : cp < 0x800
        ? [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]
        : cp < 0x10000
          ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
          : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
  return bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

/**
 * Serialises an sf-string (RFC 9651 §4.1.6): `"` … `"` with `\` and `"` escaped. Characters an
 * sf-string cannot hold (outside `%x20-7E`) are percent-encoded as UTF-8 first, so the result is
 * always a valid sf-string; `%` is left alone, so a name already made ASCII by
 * {@link asciiPolicyName} is not encoded twice.
 *
 * @example sfString('say "hi"') // '"say \\"hi\\""'
 */
export function sfString(value: string): string {
  const ascii = PRINTABLE.test(value) ? value : encodeOutside(value, false)
  return `"${ascii.replace(/[\\"]/g, '\\$&')}"`
}

/** Serialises an sf-integer (RFC 9651 §4.1.4): whole, clamped to the 15 digits the RFC allows. */
export function sfInteger(value: number): string {
  // The common case, a whole number in range, is its own text.
  if (Number.isInteger(value) && value <= MAX_SF_INTEGER && value >= -MAX_SF_INTEGER) return String(value)
  const n = Number.isFinite(value) ? Math.trunc(value) : value > 0 ? MAX_SF_INTEGER : -MAX_SF_INTEGER
  return String(Math.max(-MAX_SF_INTEGER, Math.min(MAX_SF_INTEGER, n)))
}

/**
 * Appends serialised list members to a header's current value, so several middlewares on one
 * route add `RateLimit` / `RateLimit-Policy` members instead of overwriting each other. `existing`
 * is whatever the framework returns for the header: `undefined`, a string, a number or an array of
 * field lines (joined with `, `, which RFC 9651 treats as one list).
 *
 * @example appendListMembers('"a";r=1;t=5', '"b";r=9;t=60') // '"a";r=1;t=5, "b";r=9;t=60'
 */
export function appendListMembers(existing: unknown, members: string): string {
  if (existing === undefined || existing === null || existing === '') return members
  if (Array.isArray(existing)) {
    const lines = existing.filter((line) => line !== '' && line != null)
    return lines.length === 0 ? members : `${lines.join(', ')}, ${members}`
  }
  return `${String(existing)}, ${members}`
}
