// IP address text to numbers by scanning characters: no regex, split or array per part on the hot path.

const DOT = 0x2e
const COLON = 0x3a

/**
 * The 32-bit value of a strict dotted quad in `text[from, to)`, or −1 when it is not one: four
 * decimal parts from 0 to 255, no sign, no space, no leading zero (`010.0.0.1` means 8.0.0.1 to
 * some parsers and 10.0.0.1 to others, so it is refused).
 *
 * @example
 * parseIpv4('192.0.2.1') // 3221225985
 * parseIpv4('010.0.0.1') // -1
 */
export function parseIpv4(text: string, from = 0, to = text.length): number {
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c === DOT) {
      if (digits === 0 || dots === 3) return -1
      value = value * 256 + part
      dots++
      part = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      // A second digit after a leading 0.
      if (digits > 0 && part === 0) return -1
      part = part * 10 + (c - 0x30)
      if (part > 255) return -1
      digits++
    } else {
      return -1
    }
  }
  if (digits === 0 || dots !== 3) return -1
  return value * 256 + part
}

/**
 * The eight 16-bit groups of an IPv6 address (without brackets or zone), or `undefined` when
 * `text` is not one: groups of 1–4 hex digits separated by `:`, at most one `::` standing for at
 * least one zero group, and optionally a dotted quad as the last 32 bits (never before a `::`).
 *
 * @example
 * parseIpv6('2001:db8::1')      // [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]
 * parseIpv6('::ffff:192.0.2.1') // [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201]
 */
export function parseIpv6(text: string): number[] | undefined {
  const gap = text.indexOf('::')
  const groups: number[] = []
  if (gap === -1) {
    if (text.indexOf(':') === -1) return undefined
    return readGroups(text, 0, text.length, groups, true) && groups.length === 8 ? groups : undefined
  }
  if (text.indexOf('::', gap + 2) !== -1) return undefined
  // A dotted quad ends the address: `1.2.3.4::` is not one.
  if (gap > 0 && !readGroups(text, 0, gap, groups, false)) return undefined
  const tail: number[] = []
  if (gap + 2 < text.length && !readGroups(text, gap + 2, text.length, tail, true)) return undefined
  // `::` stands for at least one group.
  if (groups.length + tail.length > 7) return undefined
  while (groups.length < 8 - tail.length) groups.push(0)
  for (const g of tail) groups.push(g)
  return groups
}

/**
 * Appends the groups of `text[from, to)` (`a:b:…`, none empty) to `out`; with `quadLast`, the last
 * part may be a dotted quad (two groups). False when a part is neither.
 */
function readGroups(text: string, from: number, to: number, out: number[], quadLast: boolean): boolean {
  let start = from
  while (start <= to) {
    let end = start
    let dotted = false
    while (end < to) {
      const c = text.charCodeAt(end)
      if (c === COLON) break
      if (c === DOT) dotted = true
      end++
    }
    if (dotted) {
      // Only the very last part may be a dotted quad.
      if (!quadLast || end !== to) return false
      const v4 = parseIpv4(text, start, end)
      if (v4 < 0) return false
      out.push(Math.floor(v4 / 0x10000), v4 % 0x10000)
    } else {
      const group = hexGroup(text, start, end)
      if (group < 0) return false
      out.push(group)
    }
    if (out.length > 8) return false
    start = end + 1
  }
  return true
}

/** The value of 1–4 hex digits in `text[from, to)`, or −1. */
function hexGroup(text: string, from: number, to: number): number {
  const length = to - from
  if (length < 1 || length > 4) return -1
  let value = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    let digit: number
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37
    else return -1
    value = value * 16 + digit
  }
  return value
}
