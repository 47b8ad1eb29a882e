// accessList: entries parsed strictly (IPv4, IPv6, mapped, CIDR), matching by bits, runtime changes, bad input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toAccessList } from '../../src/access/accessList.ts'
import { accessList, ConfigError } from '../../src/index.ts'

const NUM_RUNS = 200

/** An address as 128 bits, the reference the property compares with: IPv4 as its mapped IPv6 form. */
function bitsOf(text: string): bigint {
  if (text.includes('.') && !text.includes(':')) {
    const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number]
    return (0xffffn << 32n) | BigInt(((a * 256 + b) * 256 + c) * 256 + d)
  }
  // Only the test's own generated texts: eight full groups.
  return text.split(':').reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n)
}

/** The reference: `address` is in `network/prefix` iff their first `prefix` bits agree. */
function inRange(address: bigint, network: bigint, prefix: number): boolean {
  const shift = BigInt(128 - prefix)
  return address >> shift === network >> shift
}

const v4Text = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
const v6Text = (n: bigint) =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt((7 - i) * 16)) & 0xffffn).toString(16)).join(':')
const mask = (n: bigint, prefix: number) => (n >> BigInt(128 - prefix)) << BigInt(128 - prefix)

describe('accessList entries', () => {
  it('matches single IPv4 and IPv6 addresses exactly', () => {
    const list = accessList({ addresses: ['203.0.113.7', '2001:db8::1'] })
    expect(list.matches('203.0.113.7')).toBe(true)
    expect(list.matches('203.0.113.8')).toBe(false)
    expect(list.matches('2001:db8::1')).toBe(true)
    expect(list.matches('2001:0db8:0:0:0:0:0:1')).toBe(true)
    expect(list.matches('2001:db8::2')).toBe(false)
    expect(list.size).toBe(2)
  })

  it('matches CIDR ranges at their edges: the first and last address in, the neighbours out', () => {
    const list = accessList({ addresses: ['10.1.0.0/16', '2001:db8:ab00::/40'] })
    expect(list.matches('10.1.0.0')).toBe(true)
    expect(list.matches('10.1.255.255')).toBe(true)
    expect(list.matches('10.0.255.255')).toBe(false)
    expect(list.matches('10.2.0.0')).toBe(false)
    expect(list.matches('2001:db8:ab00::')).toBe(true)
    expect(list.matches('2001:db8:abff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(list.matches('2001:db8:aaff:ffff:ffff:ffff:ffff:ffff')).toBe(false)
    expect(list.matches('2001:db8:ac00::')).toBe(false)
  })

  it('/0 holds every address of its family, /32 and /128 exactly one', () => {
    const all4 = accessList({ addresses: ['0.0.0.0/0'] })
    expect(all4.matches('0.0.0.0')).toBe(true)
    expect(all4.matches('255.255.255.255')).toBe(true)
    expect(all4.matches('::ffff:1.2.3.4')).toBe(true)
    expect(all4.matches('2001:db8::1')).toBe(false)
    // ::/0 holds all of IPv6, IPv4-mapped addresses (so IPv4 clients) included.
    const all6 = accessList({ addresses: ['::/0'] })
    expect(all6.matches('2001:db8::1')).toBe(true)
    expect(all6.matches('::')).toBe(true)
    expect(all6.matches('1.2.3.4')).toBe(true)
    const one = accessList({ addresses: ['192.0.2.1/32', '2001:db8::1/128'] })
    expect(one.matches('192.0.2.1')).toBe(true)
    expect(one.matches('192.0.2.0')).toBe(false)
    expect(one.matches('2001:db8::1')).toBe(true)
    expect(one.matches('2001:db8::')).toBe(false)
  })

  it('IPv4-mapped IPv6 is IPv4, in entries and in what is matched', () => {
    const v4 = accessList({ addresses: ['198.51.100.0/24'] })
    expect(v4.matches('::ffff:198.51.100.7')).toBe(true)
    expect(v4.matches('::ffff:c633:6407')).toBe(true)
    expect(v4.matches('::ffff:198.51.101.7')).toBe(false)
    const mapped = accessList({ addresses: ['::ffff:198.51.100.0/120', '::ffff:192.0.2.1'] })
    expect(mapped.matches('198.51.100.200')).toBe(true)
    expect(mapped.matches('192.0.2.1')).toBe(true)
    expect(mapped.matches('192.0.2.2')).toBe(false)
    // The same range written both ways is held once.
    expect(accessList({ addresses: ['10.0.0.0/8', '::ffff:10.0.0.0/104'] }).size).toBe(1)
    // NAT64, 6to4 and Teredo addresses are matched as the IPv6 addresses they are.
    expect(v4.matches('64:ff9b::198.51.100.7')).toBe(false)
  })

  it('matches an IPv6 network (a default binding key) only when a range holds all of it', () => {
    const list = accessList({ addresses: ['2001:db8::/32', '2001:db9:0:1::5'] })
    expect(list.matches('2001:db8:1:2::/64')).toBe(true)
    expect(list.matches('2001:db9:0:1::/64')).toBe(false)
    expect(list.matches('2001:db8::/16')).toBe(false)
    expect(accessList({ addresses: ['203.0.113.0/24'] }).matches('203.0.113.0/25')).toBe(true)
  })

  it('tolerates brackets and a zone id in what is matched, as frameworks report addresses', () => {
    const list = accessList({ addresses: ['fe80::/10', '2001:db8::1'] })
    expect(list.matches('fe80::1%eth0')).toBe(true)
    expect(list.matches('[2001:db8::1]')).toBe(true)
  })

  it('keys match exactly and never as addresses; values that are no address only meet the keys', () => {
    const list = accessList({ keys: ['user:42', '10.0.0.1'], addresses: ['10.0.0.0/8'] })
    expect(list.matches('user:42')).toBe(true)
    expect(list.matches('user:4')).toBe(false)
    expect(list.matches('USER:42')).toBe(false)
    expect(list.matches('')).toBe(false)
    expect(list.matches('10.0.0.1/')).toBe(false)
    expect(list.matches('10.0.0.0/8x')).toBe(false)
    expect(list.matches('route/10.0.0.1')).toBe(false)
    expect(list.matches('010.0.0.1')).toBe(false)
    expect(accessList({ keys: ['10.0.0.0/8'] }).matches('10.1.2.3')).toBe(false)
  })
})

describe('accessList: bad entries are ConfigErrors naming them', () => {
  const bad: [string, unknown, RegExp][] = [
    [
      'an invalid address',
      { addresses: ['10.0.0.256'] },
      /"10\.0\.0\.256" is not an IPv4 or IPv6 address or CIDR range/,
    ],
    ['a host name', { addresses: ['example.com'] }, /"example\.com" is not an IPv4 or IPv6/],
    [
      'an IPv4 prefix over 32',
      { addresses: ['10.0.0.0/33'] },
      /prefix length of "10\.0\.0\.0\/33" must be a whole number from 0 to 32/,
    ],
    ['an IPv6 prefix over 128', { addresses: ['2001:db8::/129'] }, /from 0 to 128/],
    ['a negative prefix', { addresses: ['10.0.0.0/-1'] }, /prefix length/],
    ['an empty prefix', { addresses: ['10.0.0.0/'] }, /prefix length/],
    ['a prefix with a leading zero', { addresses: ['10.0.0.0/08'] }, /prefix length/],
    ['two slashes', { addresses: ['10.0.0.0/8/8'] }, /prefix length/],
    [
      'bits past the prefix',
      { addresses: ['10.0.0.1/8'] },
      /bits set after its \/8 prefix; write the network \('10\.0\.0\.0\/8'\) or the single address \('10\.0\.0\.1'\)/,
    ],
    [
      'IPv6 bits past the prefix',
      { addresses: ['2001:db8::1/64'] },
      /write the network \('2001:db8:0:0:0:0:0:0\/64'\)/,
    ],
    ['an empty address', { addresses: [''] }, /an address must be a non-empty string/],
    ['a non-string address', { addresses: [42] }, /an address must be a non-empty string .* got 42/],
    ['brackets', { addresses: ['[2001:db8::1]'] }, /no brackets, port or zone id/],
    ['a zone id', { addresses: ['fe80::1%eth0'] }, /no brackets, port or zone id/],
    ['a port', { addresses: ['10.0.0.1:80'] }, /not an IPv4 or IPv6/],
    ['a leading-zero quad', { addresses: ['010.0.0.1'] }, /not an IPv4 or IPv6/],
    ['an empty key', { keys: [''] }, /a key must be a non-empty string/],
    ['a non-string key', { keys: [null] }, /a key must be a non-empty string .* got null/],
    ['addresses that are not an array', { addresses: '10.0.0.0/8' }, /addresses must be an array of strings/],
    ['an unknown option', { ips: ['10.0.0.0/8'] }, /unknown option "ips"/],
  ]
  it.each(bad)('%s', (_, entries, message) => {
    expect(() => accessList(entries as never)).toThrow(ConfigError)
    expect(() => accessList(entries as never)).toThrow(message)
  })

  it('entries that are not an object', () => {
    expect(() => accessList(null as never)).toThrow(/accessList takes entries such as/)
    expect(() => accessList(['10.0.0.0/8'] as never)).toThrow(ConfigError)
    expect(() => toAccessList('10.0.0.0/8', 'createRateLimiter: deny')).toThrow(
      /createRateLimiter: deny must be an accessList\(…\) or its entries/,
    )
  })

  it('survives a hostile mix of entries: a valid list or a ConfigError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.anything()), { maxLength: 5 }), (entries) => {
        try {
          const list = accessList({
            keys: entries.filter((e) => typeof e === 'string') as string[],
            addresses: entries as string[],
          })
          // Only reached when every entry parsed: each one is then matched by its own list.
          for (const e of entries) expect(list.matches(e as string)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
        }
      }),
      { numRuns: NUM_RUNS },
    )
  })
})

describe('accessList at run time', () => {
  it('add, remove and clear take effect at once; remove takes a range however it is written', () => {
    const list = accessList()
    expect(list.matches('192.0.2.1')).toBe(false)
    list.add({ addresses: ['192.0.2.0/24'], keys: ['bot'] })
    expect(list.matches('192.0.2.1')).toBe(true)
    expect(list.matches('bot')).toBe(true)
    list.remove({ addresses: ['::ffff:192.0.2.0/120'] })
    expect(list.matches('192.0.2.1')).toBe(false)
    expect(list.matches('bot')).toBe(true)
    list.remove({ keys: ['bot', 'never-added'], addresses: ['198.51.100.0/24'] })
    expect(list.size).toBe(0)
    list.add({ keys: ['a'], addresses: ['2001:db8::/32'] })
    list.clear()
    expect([list.size, list.matches('a'), list.matches('2001:db8::1')]).toEqual([0, false, false])
  })

  it('a bad entry in add or remove changes nothing', () => {
    const list = accessList({ keys: ['kept'], addresses: ['10.0.0.0/8'] })
    expect(() => list.add({ keys: ['new'], addresses: ['172.16.0.0/12', '10.0.0.0/33'] })).toThrow(
      /accessList\.add: the prefix length of "10\.0\.0\.0\/33"/,
    )
    expect([list.matches('new'), list.matches('172.16.0.1'), list.size]).toEqual([false, false, 2])
    expect(() => list.remove({ keys: ['kept'], addresses: ['nope'] })).toThrow(/accessList\.remove: "nope"/)
    expect([list.matches('kept'), list.matches('10.1.1.1')]).toEqual([true, true])
  })

  it('an IPv6 range over the mapped block added or removed later changes what IPv4 addresses match', () => {
    const list = accessList({ addresses: ['192.0.2.0/24', '2001:db8::/32'] })
    expect(list.matches('198.51.100.1')).toBe(false)
    list.add({ addresses: ['::/64'] })
    expect([list.matches('198.51.100.1'), list.matches('::ffff:198.51.100.1')]).toEqual([true, true])
    list.remove({ addresses: ['::/64'] })
    expect(list.matches('198.51.100.1')).toBe(false)
    list.add({ addresses: ['::ffff:0:0/96'] })
    expect([list.matches('198.51.100.1'), list.size]).toEqual([true, 3])
    list.clear()
    list.add({ addresses: ['::1'] })
    expect(list.matches('198.51.100.1')).toBe(false)
  })

  it('a range removed while another of the same length remains still matches the other', () => {
    const list = accessList({ addresses: ['10.0.0.0/8', '11.0.0.0/8'] })
    list.remove({ addresses: ['10.0.0.0/8'] })
    expect([list.matches('10.0.0.1'), list.matches('11.0.0.1')]).toEqual([false, true])
  })
})

describe('accessList matching by bits (property against a 128-bit reference)', () => {
  const v4 = fc.integer({ min: 0, max: 0xffffffff })
  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })

  it('an IPv4 address is in a /n iff its first n bits are the network', () => {
    fc.assert(
      fc.property(v4, v4, fc.integer({ min: 0, max: 32 }), (address, base, prefix) => {
        const network = mask(bitsOf(v4Text(base)), 96 + prefix)
        const list = accessList({ addresses: [`${v4Text(Number(network & 0xffffffffn))}/${prefix}`] })
        const expected = inRange(bitsOf(v4Text(address)), network, 96 + prefix)
        expect(list.matches(v4Text(address))).toBe(expected)
        expect(list.matches(`::ffff:${v4Text(address)}`)).toBe(expected)
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('an IPv6 address is in a /n iff its first n bits are the network', () => {
    fc.assert(
      fc.property(v6, v6, fc.integer({ min: 0, max: 128 }), (address, base, prefix) => {
        const network = mask(base, prefix)
        const list = accessList({ addresses: [`${v6Text(network)}/${prefix}`] })
        expect(list.matches(v6Text(address))).toBe(inRange(address, network, prefix))
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('an address shares a prefix with the range: matched exactly when the shared bits cover the prefix', () => {
    // Random pairs rarely share a prefix, so this builds the address from the network: the first
    // `common` bits are the network's, the next one flipped.
    fc.assert(
      fc.property(
        v6,
        v6,
        fc.integer({ min: 0, max: 128 }),
        fc.integer({ min: 0, max: 127 }),
        (base, tail, prefix, common) => {
          const network = mask(base, prefix)
          const flip = 1n << BigInt(127 - common)
          const address = mask(network, common) | (tail & (flip - 1n)) | ((network & flip) ^ flip)
          const list = accessList({ addresses: [`${v6Text(network)}/${prefix}`] })
          expect(list.matches(v6Text(address))).toBe(common >= prefix)
        },
      ),
      { numRuns: NUM_RUNS },
    )
  })

  it('10,000 ranges: every address is matched as a linear scan of them says', () => {
    // Held by prefix length, so a lookup probes one Set per length in use (here 3), not 10,000 ranges.
    const top = (n: number, prefix: number) => Math.floor(n / 2 ** (32 - prefix))
    const random = fc.sample(fc.tuple(v4, fc.constantFrom(16, 24, 32)), { numRuns: 10_000, seed: 18 })
    const ranges = random.map(([n, prefix]) => [top(n, prefix) * 2 ** (32 - prefix), prefix] as const)
    const list = accessList({ addresses: ranges.map(([network, prefix]) => `${v4Text(network)}/${prefix}`) })
    const probes = fc.sample(v4, { numRuns: 1000, seed: 7 }).concat(random.slice(0, 1000).map(([n]) => n))
    let hits = 0
    for (const n of probes) {
      const expected = ranges.some(([network, prefix]) => top(n, prefix) === top(network, prefix))
      if (expected) hits++
      expect(list.matches(v4Text(n))).toBe(expected)
    }
    // Both answers were exercised: every address taken from a range is in it.
    expect(hits).toBeGreaterThanOrEqual(1000)
    expect(hits).toBeLessThan(probes.length)
  })
})
