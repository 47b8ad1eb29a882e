import { ConfigError, InputError } from '../errors.ts'
import { show } from '../validate.ts'

export interface ClientAddressOptions {
  /**
   * IPv6 clients are grouped by this prefix length (1–128), since one subscriber usually holds a
   * whole /64 and could otherwise mint a fresh budget per address. Default 64.
   */
  readonly ipv6Prefix?: number
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const HEX_GROUP = /^[0-9a-f]{1,4}$/i

/**
 * Turns a client address into a rate-limit key, so that one client is one key:
 *
 * - IPv4 stays as it is, in dotted-quad form (`203.0.113.7`); leading zeros are refused (`010.0.0.1`
 *   means 8.0.0.1 to some parsers and 10.0.0.1 to others);
 * - IPv4-mapped IPv6 (`::ffff:203.0.113.7`, `::ffff:cb00:7107`) is that IPv4 address, since a
 *   dual-stack server sees IPv4 clients that way;
 * - any other IPv6 address becomes its network, `ipv6Prefix` bits long, in RFC 5952 form:
 *   `2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`;
 * - a zone id (`fe80::1%eth0`) and surrounding brackets (`[::1]`) are dropped.
 *
 * Anything else (an empty string, `undefined`, a host name, an address with a port) is an
 * `InputError`: a request is never silently put in a key shared with other clients.
 * No Node built-ins: runs on edge runtimes.
 *
 * @example
 * clientAddressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348') // '2001:db8:85a3:8d3::/64'
 * clientAddressKey('::ffff:192.0.2.1')                     // '192.0.2.1'
 * clientAddressKey('2001:db8::1', { ipv6Prefix: 48 })     // '2001:db8::/48'
 */
export function clientAddressKey(address: unknown, options?: ClientAddressOptions): string {
  const prefix = checkPrefix(options?.ipv6Prefix)
  if (typeof address !== 'string' || address.trim() === '') {
    throw new InputError(`client address must be a non-empty IP address string, got ${show(address)}`)
  }
  let text = address.trim()
  if (IPV4.test(text)) return text
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const zone = text.indexOf('%')
  if (zone > 0) text = text.slice(0, zone)
  const groups = parseIpv6(text)
  if (groups === undefined) {
    throw new InputError(`client address ${show(address)} is not an IPv4 or IPv6 address`)
  }
  if (isIpv4Mapped(groups)) {
    const a = groups[6] as number
    const b = groups[7] as number
    return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`
  }
  return `${formatIpv6(mask(groups, prefix))}/${prefix}`
}

function checkPrefix(value: unknown): number {
  if (value === undefined) return 64
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 128) {
    throw new ConfigError(
      `ipv6Prefix must be a whole number of bits from 1 to 128 (64 groups a subscriber's network), got ${show(value)}`,
    )
  }
  return value
}

/** Eight 16-bit groups, or undefined when `text` is not an IPv6 address. */
function parseIpv6(text: string): number[] | undefined {
  if (!text.includes(':')) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':')
  const tail = halves.length === 1 || halves[1] === '' ? [] : (halves[1] as string).split(':')
  const parts = [...head, ...tail]
  const last = parts[parts.length - 1]
  let v4: number[] = []
  if (last?.includes('.')) {
    const m = IPV4.exec(last)
    if (m === null) return undefined
    v4 = [(Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4])]
    if (tail.length > 0) tail.pop()
    else head.pop()
  }
  for (const g of [...head, ...tail]) if (!HEX_GROUP.test(g)) return undefined
  const given = head.length + tail.length + v4.length
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined
  const zeros: number[] = new Array(8 - given).fill(0)
  const hex = (g: string) => Number.parseInt(g, 16)
  const tailGroups = [...tail.map(hex), ...v4]
  return [...head.map(hex), ...zeros, ...tailGroups]
}

function isIpv4Mapped(g: readonly number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff
}

function mask(groups: readonly number[], prefix: number): number[] {
  return groups.map((g, i) => {
    const bits = Math.min(16, Math.max(0, prefix - i * 16))
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff)
  })
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
