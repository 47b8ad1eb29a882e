import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseIpv4, parseIpv6 } from '../../src/access/ipText.ts'
import { groupAddress } from '../../src/http/clientAddress.ts'

// The regex parser the scanning one replaced, kept as the specification it must agree with.
const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const HEX_GROUP = /^[0-9a-f]{1,4}$/i

function regexIpv6(text: string): number[] | undefined {
  if (!text.includes(':')) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':')
  const tail = halves.length === 1 || halves[1] === '' ? [] : (halves[1] as string).split(':')
  const last = tail.length > 0 ? tail[tail.length - 1] : head[head.length - 1]
  let v4: number[] = []
  if (last?.includes('.')) {
    if (tail.length === 0 && halves.length === 2) return undefined
    const m = IPV4.exec(last)
    if (m === null) return undefined
    v4 = [(Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4])]
    if (tail.length > 0) tail.pop()
    else head.pop()
  }
  for (const g of head) if (!HEX_GROUP.test(g)) return undefined
  for (const g of tail) if (!HEX_GROUP.test(g)) return undefined
  const given = head.length + tail.length + v4.length
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined
  const hex = (g: string) => Number.parseInt(g, 16)
  const groups = head.map(hex)
  for (let i = given; i < 8; i++) groups.push(0)
  for (const g of tail) groups.push(hex(g))
  for (const g of v4) groups.push(g)
  return groups
}

function regexIpv4(text: string): number {
  const m = IPV4.exec(text)
  return m === null ? -1 : ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4])
}

/** Text that is often an address, or nearly one: the cases where a parser can go wrong. */
const addressLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFg.:%[] '), maxLength: 46 }),
  fc
    .array(
      fc.oneof(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFx'), maxLength: 5 }),
        fc.constant(''),
        fc.constant('1.2.3.4'),
      ),
      {
        maxLength: 10,
      },
    )
    .map((parts) => parts.join(':')),
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 300 }).map(String), { minLength: 1, maxLength: 5 }),
      fc.constantFrom('', '0', '00', ' ', '-'),
    )
    .map(([parts, pad]) => pad + parts.join('.')),
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.ipV4Extended(),
)

describe('IP text parsing by scanning characters', () => {
  it('parseIpv4 agrees with the strict dotted-quad regex', () => {
    fc.assert(
      fc.property(addressLike, (text) => {
        expect(parseIpv4(text)).toBe(regexIpv4(text))
      }),
      { numRuns: 5000 },
    )
  })

  it('parseIpv6 agrees with the split-and-regex parser', () => {
    fc.assert(
      fc.property(addressLike, (text) => {
        expect(parseIpv6(text)).toEqual(regexIpv6(text))
      }),
      { numRuns: 5000 },
    )
  })

  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['192.0.2.1', 0xc0000201],
    ['1.2.3', -1],
    ['1.2.3.4.', -1],
    ['.1.2.3', -1],
    ['1..2.3', -1],
    ['01.2.3.4', -1],
    ['256.0.0.1', -1],
    ['1.2.3.4 ', -1],
  ])('parseIpv4(%j) is %i', (text, value) => {
    expect(parseIpv4(text)).toBe(value)
  })

  it('parses only the given range', () => {
    expect(parseIpv4('::ffff:10.0.0.1', 7)).toBe(0x0a000001)
    expect(parseIpv4('10.0.0.1/8', 0, 8)).toBe(0x0a000001)
  })

  it('groupAddress returns an IPv4 client address itself, trimmed only when an end is not printable', () => {
    const address = '203.0.113.7'
    expect(groupAddress(address, 64)).toBe(address)
    expect(groupAddress('\t203.0.113.7\u00a0', 64)).toBe(address)
    expect(groupAddress('\ufeff::ffff:203.0.113.7', 64)).toBe(address)
    expect(() => groupAddress('\u3000', 64)).toThrow(/non-empty IP address string/)
  })
})
