// The client address as a rate-limit key: one client (an IPv4 address, an IPv6 network) is one key.

import { parseIpv4, parseIpv6 } from '../access/ipText.ts'
import { ConfigError, InputError } from '../errors.ts'
import { optionsObject, show } from '../validate.ts'

export interface ClientAddressOptions {
  /**
   * IPv6 clients are grouped by this prefix length (1–128), since one subscriber usually holds a
   * whole /64 and could otherwise mint a fresh budget per address. Default 64. The bindings' option
   * of the same name passes through here.
   */
  readonly ipv6Subnet?: number
  /** @deprecated The former name of `ipv6Subnet`, still accepted. */
  readonly ipv6Prefix?: number
}

/** The IPv6 grouping prefix when none is given: a subscriber's usual allocation. */
export const DEFAULT_IPV6_SUBNET = 64

const OPTIONS = ['ipv6Subnet', 'ipv6Prefix']
// The longest IPv6 text: eight full groups, or six and a dotted quad (45 characters).
const MAX_IPV6_TEXT = 45

/**
 * Turns a client address into a rate-limit key, so that one client is one key:
 *
 * - IPv4 stays as it is, in dotted-quad form (`203.0.113.7`); leading zeros are refused (`010.0.0.1`
 *   means 8.0.0.1 to some parsers and 10.0.0.1 to others);
 * - an IPv6 address that carries an IPv4 client is that IPv4 address, so one IPv4 client cannot
 *   mint fresh budgets through the IPv6 forms of its address: IPv4-mapped (`::ffff:203.0.113.7`,
 *   what a dual-stack server sees), NAT64 (`64:ff9b::203.0.113.7`, RFC 6052), 6to4
 *   (`2002:cb00:7107::/48`, RFC 3056) and Teredo (`2001:0::/32`, RFC 4380: the client's public
 *   address, bit-inverted, in the last 32 bits);
 * - any other IPv6 address becomes its network, `ipv6Subnet` bits long, in RFC 5952 form:
 *   `2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`;
 * - a zone id (`fe80::1%eth0`) and surrounding brackets (`[::1]`) are dropped.
 *
 * Anything else (an empty string, `undefined`, a host name, an address with a port) is an
 * `InputError`: a request is never silently put in a key shared with other clients. A bad
 * `ipv6Subnet` is a `ConfigError`. No Node built-ins: runs on edge runtimes.
 *
 * @example
 * clientAddressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348') // '2001:db8:85a3:8d3::/64'
 * clientAddressKey('::ffff:192.0.2.1')                     // '192.0.2.1'
 * clientAddressKey('2002:c000:201::1')                     // '192.0.2.1' (6to4)
 * clientAddressKey('2001:db8::1', { ipv6Subnet: 48 })      // '2001:db8::/48'
 */
export function clientAddressKey(address: unknown, options?: ClientAddressOptions): string {
  return groupAddress(address, ipv6SubnetOf(options))
}

/** The grouping prefix of `clientAddressKey`'s options, checked. */
function ipv6SubnetOf(options: ClientAddressOptions | undefined): number {
  if (options === undefined) return DEFAULT_IPV6_SUBNET
  optionsObject(options, 'clientAddressKey', OPTIONS)
  const { ipv6Subnet, ipv6Prefix } = options
  if (ipv6Subnet !== undefined && ipv6Prefix !== undefined && ipv6Subnet !== ipv6Prefix) {
    throw new ConfigError(
      `clientAddressKey: ipv6Subnet (${show(ipv6Subnet)}) and its former name ipv6Prefix (${show(ipv6Prefix)}) disagree; pass ipv6Subnet only`,
    )
  }
  return ipv6Subnet !== undefined
    ? checkIpv6Subnet(ipv6Subnet, 'ipv6Subnet')
    : checkIpv6Subnet(ipv6Prefix, 'ipv6Prefix')
}

/**
 * Checks an IPv6 grouping prefix length once, at construction: a whole number of bits from 1 to
 * 128, default 64. `name` is the option as the caller wrote it (`rateLimit: ipv6Subnet`).
 */
export function checkIpv6Subnet(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_IPV6_SUBNET
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 128) {
    throw new ConfigError(
      `${name} must be a whole number of bits from 1 to 128 (64 groups a subscriber's network, 48 a site's, 128 each address), got ${show(value)}`,
    )
  }
  return value
}

/**
 * `clientAddressKey` with the prefix already checked (bindings check it once, at construction).
 * Runs on every request of a binding's default key: an IPv4 address is checked by scanning its
 * characters and returned as it is, without a regex or a new string.
 */
export function groupAddress(address: unknown, ipv6Subnet: number): string {
  if (typeof address !== 'string') {
    throw new InputError(`client address must be a non-empty IP address string, got ${show(address)}`)
  }
  // trim() removes only characters outside printable ASCII: skip it when neither end has one.
  let text = hasPrintableEnds(address) ? address : address.trim()
  if (text === '') {
    throw new InputError(`client address must be a non-empty IP address string, got ${show(address)}`)
  }
  if (parseIpv4(text) >= 0) return text
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const zone = text.indexOf('%')
  if (zone > 0) text = text.slice(0, zone)
  const groups = text.length > MAX_IPV6_TEXT ? undefined : parseIpv6(text)
  if (groups === undefined) {
    throw new InputError(`client address ${show(address)} is not an IPv4 or IPv6 address`)
  }
  const v4 = embeddedIpv4(groups)
  if (v4 !== undefined) {
    const [a, b] = v4
    return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`
  }
  return `${formatIpv6(mask(groups, ipv6Subnet))}/${ipv6Subnet}`
}

function hasPrintableEnds(text: string): boolean {
  if (text.length === 0) return false
  const first = text.charCodeAt(0)
  const last = text.charCodeAt(text.length - 1)
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f
}

/**
 * The IPv4 address (two 16-bit groups) an IPv6 address carries for an IPv4 client, or undefined.
 * Each form is a fixed prefix, so only addresses inside it are read this way.
 */
function embeddedIpv4(g: readonly number[]): readonly [number, number] | undefined {
  const a = g[6] as number
  const b = g[7] as number
  const zeroFrom = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (g[i] !== 0) return false
    return true
  }
  // ::ffff:0:0/96, IPv4-mapped (RFC 4291): a dual-stack socket's IPv4 peer.
  if (zeroFrom(0, 5) && g[5] === 0xffff) return [a, b]
  // 64:ff9b::/96, the NAT64 well-known prefix (RFC 6052): the IPv4 address in the last 32 bits.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeroFrom(2, 6)) return [a, b]
  // 2002::/16, 6to4 (RFC 3056): the site's IPv4 address in bits 16–47.
  if (g[0] === 0x2002) return [g[1] as number, g[2] as number]
  // 2001:0::/32, Teredo (RFC 4380): the client's public IPv4 address, bit-inverted, in the last 32 bits.
  if (g[0] === 0x2001 && g[1] === 0) return [a ^ 0xffff, b ^ 0xffff]
  return undefined
}

/** Keeps the first `prefix` bits of the groups (in place). */
function mask(groups: number[], prefix: number): number[] {
  for (let i = 0; i < groups.length; i++) {
    const bits = Math.min(16, Math.max(0, prefix - i * 16))
    groups[i] = bits === 0 ? 0 : (groups[i] as number) & ((0xffff << (16 - bits)) & 0xffff)
  }
  return groups
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
