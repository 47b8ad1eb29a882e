// Address ranges (CIDR blocks, single addresses) held per prefix length: a lookup is one Set probe per length in use.
import { ConfigError } from '../errors.ts'
import { show } from '../validate.ts'
import { parseIpv4, parseIpv6 } from './ipText.ts'

/** One range, normalised: IPv4 (an IPv4-mapped IPv6 range of /96 or longer is one too) or IPv6. */
export interface Range {
  readonly v4: boolean
  /** The prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  readonly bits: number
  /** The network's first `bits` bits, as a number (IPv4) or a bigint (IPv6). */
  readonly network: number | bigint
}

// The longest IPv6 text: eight full groups, or six and a dotted quad (45 characters).
const MAX_IPV6_TEXT = 45
// 2^(32 − bits), so an IPv4 address's first `bits` bits are Math.floor(address / V4_SCALE[bits]).
const V4_SCALE: readonly number[] = Array.from({ length: 33 }, (_, bits) => 2 ** (32 - bits))
// 128 − bits, so an IPv6 address's first `bits` bits are address >> V6_SHIFT[bits].
const V6_SHIFT: readonly bigint[] = Array.from({ length: 129 }, (_, bits) => BigInt(128 - bits))
// ::ffff:0:0/96, the IPv4-mapped prefix (RFC 4291), as the top 32 bits of a 128-bit value's low half.
const MAPPED = 0xffffn << 32n

/**
 * Reads one list entry: an IPv4 or IPv6 address (`203.0.113.7`, `2001:db8::1`) or a CIDR range
 * (`203.0.113.0/24`, `2001:db8::/32`). Strict, since a list entry is configuration: no brackets,
 * zone ids or spaces, and no bits set past the prefix (`10.0.0.1/8` is a typo for `10.0.0.0/8` or
 * `10.0.0.1/32`, and guessing which could open or close the wrong range). IPv4-mapped IPv6 ranges of
 * /96 or longer are stored as the IPv4 ranges they are. Anything else is a `ConfigError` naming it.
 *
 * @example
 * parseRange('10.0.0.0/8', 'deny')        // { v4: true, bits: 8, network: 10 }
 * parseRange('::ffff:10.0.0.1', 'deny')   // { v4: true, bits: 32, network: 167772161 }
 */
export function parseRange(entry: unknown, where: string): Range {
  if (typeof entry !== 'string' || entry === '') {
    throw new ConfigError(
      `${where}: an address must be a non-empty string such as '203.0.113.7' or '10.0.0.0/8', got ${show(entry)}`,
    )
  }
  const slash = entry.indexOf('/')
  const text = slash === -1 ? entry : entry.slice(0, slash)
  const v4 = parseIpv4(text)
  const groups = v4 >= 0 || text.length > MAX_IPV6_TEXT ? undefined : parseIpv6(text)
  if (v4 < 0 && groups === undefined) {
    throw new ConfigError(
      `${where}: ${show(entry)} is not an IPv4 or IPv6 address or CIDR range; write one such as '203.0.113.7', '10.0.0.0/8', '2001:db8::1' or '2001:db8::/32' (no brackets, port or zone id)`,
    )
  }
  const max = v4 >= 0 ? 32 : 128
  const bits = slash === -1 ? max : prefixLength(entry.slice(slash + 1), max)
  if (bits < 0) {
    throw new ConfigError(
      `${where}: the prefix length of ${show(entry)} must be a whole number from 0 to ${max} written after one '/', as in '${text}/${max === 32 ? 24 : 48}'`,
    )
  }
  const range = v4 >= 0 ? v4Range(v4, bits) : v6Range(toBigInt(groups as number[]), bits)
  if (!range.exact) {
    throw new ConfigError(
      `${where}: ${show(entry)} has bits set after its /${bits} prefix; write the network ('${formatRange(range)}') or the single address ('${text}')`,
    )
  }
  return range
}

/** A `/n` suffix: decimal digits, no sign or leading zero, at most `max`; −1 otherwise. */
function prefixLength(text: string, max: number): number {
  if (text === '' || text.length > 3 || (text.length > 1 && text.charCodeAt(0) === 0x30)) return -1
  let value = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return -1
    value = value * 10 + (c - 0x30)
  }
  return value <= max ? value : -1
}

interface Masked extends Range {
  /** False when the address had bits set past the prefix. */
  readonly exact: boolean
}

function v4Range(address: number, bits: number): Masked {
  const network = Math.floor(address / (V4_SCALE[bits] as number))
  return { v4: true, bits, network, exact: network * (V4_SCALE[bits] as number) === address }
}

function v6Range(address: bigint, bits: number): Masked {
  // An IPv4-mapped range is an IPv4 range, so it matches IPv4 clients whichever way they are written.
  if (bits >= 96 && address >> 32n === 0xffffn) return v4Range(Number(address & 0xffffffffn), bits - 96)
  const shift = V6_SHIFT[bits] as bigint
  const network = address >> shift
  return { v4: false, bits, network, exact: network << shift === address }
}

function toBigInt(groups: readonly number[]): bigint {
  let value = 0n
  for (const g of groups) value = (value << 16n) | BigInt(g)
  return value
}

/** The range's network in CIDR text, for messages. */
function formatRange(range: Range): string {
  if (range.v4) {
    const a = (range.network as number) * (V4_SCALE[range.bits] as number)
    return `${Math.floor(a / 0x1000000)}.${Math.floor(a / 0x10000) % 256}.${Math.floor(a / 0x100) % 256}.${a % 256}/${range.bits}`
  }
  const value = (range.network as bigint) << (V6_SHIFT[range.bits] as bigint)
  const groups: string[] = []
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16))
  return `${groups.join(':')}/${range.bits}`
}

/**
 * Address ranges by family and prefix length. Lookup probes one Set per prefix length in use (at
 * most 33 for IPv4 and 129 for IPv6, usually a handful), whatever the number of ranges: 10,000
 * ranges cost what 10 do.
 */
export class RangeTable {
  readonly #v4 = new Map<number, Set<number>>()
  readonly #v6 = new Map<number, Set<bigint>>()
  #size = 0
  // Whether an IPv6 range holds the whole IPv4-mapped block (`::/0`, `::ffff:0:0/96` …): the same
  // answer for every IPv4 address, so worked out once per change, not per lookup.
  #mapped: boolean | undefined = false

  /** How many ranges the table holds. */
  get size(): number {
    return this.#size
  }

  add(range: Range): void {
    const table = range.v4 ? this.#v4 : this.#v6
    let set = table.get(range.bits) as Set<number | bigint> | undefined
    if (set === undefined) {
      set = new Set()
      ;(table as Map<number, Set<number | bigint>>).set(range.bits, set)
    }
    if (!set.has(range.network)) {
      set.add(range.network)
      this.#size++
      if (!range.v4) this.#mapped = undefined
    }
  }

  remove(range: Range): void {
    const table = (range.v4 ? this.#v4 : this.#v6) as Map<number, Set<number | bigint>>
    const set = table.get(range.bits)
    if (set === undefined || !set.delete(range.network)) return
    this.#size--
    if (!range.v4) this.#mapped = undefined
    // An empty length would cost every later lookup a probe.
    if (set.size === 0) table.delete(range.bits)
  }

  clear(): void {
    this.#v4.clear()
    this.#v6.clear()
    this.#size = 0
    this.#mapped = false
  }

  /**
   * Whether a range holds `value`: an IP address (brackets and a zone id tolerated, as frameworks
   * report them), or a network in CIDR form (`2001:db8:1:2::/64`, as `clientAddressKey` writes an
   * IPv6 client), which matches a range that holds all of it. IPv4-mapped IPv6 is IPv4. Anything
   * else is held by no range.
   */
  matches(value: string): boolean {
    if (this.#size === 0 || value.length === 0) return false
    const slash = value.indexOf('/')
    let text = slash === -1 ? value : value.slice(0, slash)
    const v4 = parseIpv4(text)
    if (v4 >= 0) {
      const bits = slash === -1 ? 32 : prefixLength(value.slice(slash + 1), 32)
      return bits >= 0 && this.#matchesV4(v4, bits)
    }
    if (text.charCodeAt(0) === 0x5b && text.charCodeAt(text.length - 1) === 0x5d) text = text.slice(1, -1)
    const zone = text.indexOf('%')
    if (zone > 0) text = text.slice(0, zone)
    const groups = text.length > MAX_IPV6_TEXT ? undefined : parseIpv6(text)
    if (groups === undefined) return false
    const bits = slash === -1 ? 128 : prefixLength(value.slice(slash + 1), 128)
    if (bits < 0) return false
    const address = toBigInt(groups)
    if (bits >= 96 && address >> 32n === 0xffffn)
      return this.#matchesV4(Number(address & 0xffffffffn), bits - 96)
    return this.#matchesV6(address, bits)
  }

  /** An IPv4 network of `bits` (32: one address): the IPv4 ranges, then IPv6 ranges over the mapped block. */
  #matchesV4(address: number, bits: number): boolean {
    for (const [length, set] of this.#v4) {
      if (length <= bits && set.has(Math.floor(address / (V4_SCALE[length] as number)))) return true
    }
    // IPv6 ranges of /96 or longer inside the mapped block are stored as IPv4 ones; any shorter
    // range holds either the whole block or none of it.
    this.#mapped ??= this.#matchesV6(MAPPED, 96)
    return this.#mapped
  }

  #matchesV6(address: bigint, bits: number): boolean {
    for (const [length, set] of this.#v6) {
      if (length <= bits && set.has(address >> (V6_SHIFT[length] as bigint))) return true
    }
    return false
  }
}
