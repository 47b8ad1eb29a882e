import { describe, expect, it } from 'vitest'
import { appendListMembers, asciiPolicyName, sfInteger, sfString } from '../../src/http/structuredFields.ts'

describe('sfString (RFC 9651 §4.1.6)', () => {
  it('quotes printable ASCII unchanged', () => {
    expect(sfString('default')).toBe('"default"')
    expect(sfString('fixedWindow:100/1m')).toBe('"fixedWindow:100/1m"')
    expect(sfString(' a b ')).toBe('" a b "')
  })

  it('escapes backslash and double quote, and nothing else', () => {
    expect(sfString('say "hi"')).toBe('"say \\"hi\\""')
    expect(sfString('a\\b')).toBe('"a\\\\b"')
    expect(sfString('\\"')).toBe('"\\\\\\""')
    expect(sfString("it's;q=1,x")).toBe('"it\'s;q=1,x"')
  })

  it('percent-encodes what an sf-string cannot hold as UTF-8', () => {
    expect(sfString('café')).toBe('"caf%C3%A9"')
    expect(sfString('100%')).toBe('"100%"')
    expect(sfString('a\r\nSet-Cookie: x')).toBe('"a%0D%0ASet-Cookie: x"')
    expect(sfString('tab\there')).toBe('"tab%09here"')
    expect(sfString('\x7f')).toBe('"%7F"')
    expect(sfString('日本')).toBe('"%E6%97%A5%E6%9C%AC"')
    expect(sfString('😀')).toBe('"%F0%9F%98%80"')
    expect(sfString('x\ud800y')).toBe('"x%EF%BF%BDy"')
  })

  it('asciiPolicyName also encodes %, so the name decodes back; sfString does not encode it again', () => {
    expect(asciiPolicyName('100%')).toBe('100%25')
    expect(asciiPolicyName('plain-name:1/1m')).toBe('plain-name:1/1m')
    expect(sfString(asciiPolicyName('café 100%'))).toBe('"caf%C3%A9 100%25"')
  })

  it('the encoded name decodes back to the original', () => {
    for (const name of ['café', '100% off', 'a\nb', '日本', '😀 "q"']) {
      expect(decodeURIComponent(asciiPolicyName(name))).toBe(name)
    }
  })

  it('every serialised string is a valid sf-string', () => {
    const valid = /^"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"$/
    for (const name of ['', 'a"b', '\\', 'é\u0000\u001f\u007f\u0080', '%"\\%']) {
      expect(sfString(name)).toMatch(valid)
    }
  })
})

describe('sfInteger', () => {
  it('serialises whole numbers and clamps to 15 digits', () => {
    expect(sfInteger(0)).toBe('0')
    expect(sfInteger(42)).toBe('42')
    expect(sfInteger(-3)).toBe('-3')
    expect(sfInteger(1e20)).toBe('999999999999999')
    expect(sfInteger(Number.POSITIVE_INFINITY)).toBe('999999999999999')
  })
})

describe('appendListMembers', () => {
  it('starts a list, or appends to one with ", "', () => {
    expect(appendListMembers(undefined, '"a";r=1;t=5')).toBe('"a";r=1;t=5')
    expect(appendListMembers('', '"a";r=1;t=5')).toBe('"a";r=1;t=5')
    expect(appendListMembers('"a";r=1;t=5', '"b";r=9;t=60')).toBe('"a";r=1;t=5, "b";r=9;t=60')
  })

  it('joins field lines given as an array, as RFC 9651 combines them', () => {
    expect(appendListMembers(['"a";r=1', '"b";r=2'], '"c";r=3')).toBe('"a";r=1, "b";r=2, "c";r=3')
    expect(appendListMembers([], '"c";r=3')).toBe('"c";r=3')
  })
})
