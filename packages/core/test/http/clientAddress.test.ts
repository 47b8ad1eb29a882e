import { describe, expect, it } from 'vitest'
import { clientAddressKey } from '../../src/entries/http.ts'
import { ConfigError, InputError } from '../../src/index.ts'

describe('clientAddressKey', () => {
  it('keeps IPv4 as it is', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7')
    expect(clientAddressKey('0.0.0.0')).toBe('0.0.0.0')
    expect(clientAddressKey(' 255.255.255.255 ')).toBe('255.255.255.255')
  })

  it('counts IPv4-mapped IPv6 as the IPv4 address, in either notation', () => {
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(clientAddressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7')
    expect(clientAddressKey('::ffff:cb00:7107')).toBe('203.0.113.7')
    expect(clientAddressKey('0:0:0:0:0:ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(clientAddressKey('[::ffff:10.0.0.1]')).toBe('10.0.0.1')
  })

  it('groups IPv6 by /64 by default, in RFC 5952 form', () => {
    expect(clientAddressKey('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3:8d3::/64')
    expect(clientAddressKey('2001:DB8:85A3:08D3:ffff:ffff:ffff:ffff')).toBe('2001:db8:85a3:8d3::/64')
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8::/64')
    expect(clientAddressKey('::1')).toBe('::/64')
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80::/64')
    expect(clientAddressKey('[2001:db8:1:2::3]')).toBe('2001:db8:1:2::/64')
  })

  it('two addresses in one /64 share a key; neighbouring /64s do not', () => {
    const a = clientAddressKey('2001:db8:0:1::a')
    expect(clientAddressKey('2001:db8:0:1:ffff:1:2:3')).toBe(a)
    expect(clientAddressKey('2001:db8:0:2::a')).not.toBe(a)
  })

  it('takes another prefix length', () => {
    const address = '2001:db8:abcd:1234:5678:9abc:def0:1234'
    expect(clientAddressKey(address, { ipv6Prefix: 48 })).toBe('2001:db8:abcd::/48')
    expect(clientAddressKey(address, { ipv6Prefix: 56 })).toBe('2001:db8:abcd:1200::/56')
    expect(clientAddressKey(address, { ipv6Prefix: 60 })).toBe('2001:db8:abcd:1230::/60')
    expect(clientAddressKey(address, { ipv6Prefix: 128 })).toBe(`${address}/128`)
    expect(clientAddressKey(address, { ipv6Prefix: 1 })).toBe('::/1')
    expect(clientAddressKey('8000::1', { ipv6Prefix: 1 })).toBe('8000::/1')
  })

  it('compresses the longest zero run (the first of equal runs), never a single group', () => {
    expect(clientAddressKey('2400:0:0:1:0:0:0:1', { ipv6Prefix: 128 })).toBe('2400:0:0:1::1/128')
    expect(clientAddressKey('2001:db8:0:0:1:0:0:1', { ipv6Prefix: 128 })).toBe('2001:db8::1:0:0:1/128')
    expect(clientAddressKey('2001:db8:0:1:1:1:1:1', { ipv6Prefix: 128 })).toBe('2001:db8:0:1:1:1:1:1/128')
    expect(clientAddressKey('1:2:3:4:5:6:7::', { ipv6Prefix: 128 })).toBe('1:2:3:4:5:6:7:0/128')
  })

  it('reads a dotted quad at the end of any IPv6 address, and only there', () => {
    expect(clientAddressKey('2001:db8::192.0.2.33', { ipv6Subnet: 128 })).toBe('2001:db8::c000:221/128')
    expect(clientAddressKey('::192.0.2.33', { ipv6Subnet: 128 })).toBe('::c000:221/128')
    expect(() => clientAddressKey('192.0.2.33::')).toThrow(InputError)
    expect(() => clientAddressKey('192.0.2.33::1')).toThrow(InputError)
  })

  // Every form of one IPv4 client, 192.0.2.33, must land in that client's one budget.
  it.each([
    ['IPv4-mapped', '::ffff:192.0.2.33'],
    ['IPv4-mapped, hex', '::ffff:c000:221'],
    ['NAT64 (64:ff9b::/96)', '64:ff9b::192.0.2.33'],
    ['NAT64, hex, uppercase', '64:FF9B::C000:221'],
    ['6to4 (2002::/16), the site itself', '2002:c000:221::1'],
    ['6to4, another subnet and host of the site', '2002:c000:221:ffff:1:2:3:4'],
    // Teredo: server 65.54.227.120, flags 0x8000, port 40000 obfuscated, client IPv4 inverted.
    ['Teredo (2001:0::/32)', '2001:0:4136:e378:8000:63bf:3fff:fdde'],
    ['Teredo, another server and port', '2001::ce49:7601:0:ffff:3fff:fdde'],
  ])('%s is grouped by the IPv4 address it carries', (_form, address) => {
    expect(clientAddressKey(address)).toBe('192.0.2.33')
    expect(clientAddressKey(address, { ipv6Subnet: 128 })).toBe('192.0.2.33')
  })

  it.each([
    // Just outside each prefix: ordinary IPv6 networks.
    ['::fffe:c000:221', '::/64'],
    ['64:ff9b:1::c000:221', '64:ff9b:1::/64'],
    ['64:ff9b:0:0:1::c000:221', '64:ff9b::/64'],
    ['2003:c000:221::1', '2003:c000:221::/64'],
    ['2001:1::c000:221', '2001:1::/64'],
    ['2001:db8::c000:221', '2001:db8::/64'],
  ])('%s carries no IPv4 client: grouped by its network (%s)', (address, key) => {
    expect(clientAddressKey(address)).toBe(key)
  })

  it('the loopback and unspecified IPv6 addresses are not IPv4', () => {
    expect(clientAddressKey('::1', { ipv6Subnet: 128 })).toBe('::1/128')
    expect(clientAddressKey('::', { ipv6Subnet: 128 })).toBe('::/128')
  })

  it('ipv6Subnet and its former name ipv6Prefix both work; disagreeing, or an unknown option, is a ConfigError', () => {
    const address = '2001:db8:abcd:1234::1'
    expect(clientAddressKey(address, { ipv6Subnet: 48 })).toBe('2001:db8:abcd::/48')
    expect(clientAddressKey(address, { ipv6Prefix: 48 })).toBe('2001:db8:abcd::/48')
    expect(clientAddressKey(address, { ipv6Subnet: 48, ipv6Prefix: 48 })).toBe('2001:db8:abcd::/48')
    expect(() => clientAddressKey(address, { ipv6Subnet: 48, ipv6Prefix: 56 })).toThrow(
      /ipv6Subnet \(48\) and its former name ipv6Prefix \(56\) disagree; pass ipv6Subnet only/,
    )
    expect(() => clientAddressKey(address, { ipv6subnet: 48 } as never)).toThrow(ConfigError)
    expect(() => clientAddressKey(address, { ipv6subnet: 48 } as never)).toThrow(
      /clientAddressKey: unknown option "ipv6subnet"; did you mean "ipv6Subnet"\?/,
    )
    expect(() => clientAddressKey(address, 48 as never)).toThrow(ConfigError)
  })

  it('refuses text longer than any IPv6 address before splitting it', () => {
    expect(() => clientAddressKey(`${'1:'.repeat(5000)}1`)).toThrow(/is not an IPv4 or IPv6 address/)
  })

  it.each([
    undefined,
    null,
    '',
    '   ',
    42,
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '010.0.0.1',
    '1.2.3.4:8080',
    '::ffff:1.2.3.999',
    '1::2::3',
    '12345::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    ':1:2:3:4:5:6:7',
    '::g',
    '%eth0',
    'unknown',
  ])('refuses %j with an InputError, never a shared key', (value) => {
    expect(() => clientAddressKey(value)).toThrow(InputError)
    expect(() => clientAddressKey(value)).toThrow(/client address/)
  })

  it.each([0, 129, 64.5, '64', Number.NaN])('refuses ipv6Subnet %j with a ConfigError', (ipv6Subnet) => {
    expect(() => clientAddressKey('::1', { ipv6Subnet: ipv6Subnet as number })).toThrow(ConfigError)
    expect(() => clientAddressKey('::1', { ipv6Subnet: ipv6Subnet as number })).toThrow(
      /ipv6Subnet must be a whole number of bits from 1 to 128/,
    )
  })

  it.each([0, 129, 64.5, '64', Number.NaN])('refuses ipv6Prefix %j with a ConfigError', (ipv6Prefix) => {
    expect(() => clientAddressKey('::1', { ipv6Prefix: ipv6Prefix as number })).toThrow(ConfigError)
    expect(() => clientAddressKey('::1', { ipv6Prefix: ipv6Prefix as number })).toThrow(
      /ipv6Prefix must be a whole number of bits from 1 to 128/,
    )
  })
})
