// Allow and deny lists: keys and IP ranges that skip limiting or are always refused, changeable at run time.
import { ConfigError } from '../errors.ts'
import { optionsObject, show } from '../validate.ts'
import { parseRange, type Range, RangeTable } from './ranges.ts'

/** What a list holds, as `accessList`, `add` and `remove` take it. */
export interface AccessListEntries {
  /** Keys, matched exactly (`'user:42'`, `'api-key:abc'`): non-empty strings. */
  readonly keys?: readonly string[]
  /**
   * IP addresses and CIDR ranges, IPv4 or IPv6: `'203.0.113.7'`, `'10.0.0.0/8'`, `'2001:db8::/32'`.
   * IPv4-mapped IPv6 (`'::ffff:10.0.0.0/104'`) is IPv4, both in entries and in what is matched.
   */
  readonly addresses?: readonly string[]
}

/**
 * A set of keys and IP ranges, read on every request and changeable at run time: a limiter or a
 * binding given the list sees `add`, `remove` and `clear` from its next call on.
 */
export interface AccessList {
  /**
   * Adds entries. All are checked first: a bad one (an address that is not one, a prefix length out
   * of range, bits set past the prefix, an empty or non-string entry) is a `ConfigError` naming it,
   * and nothing is added. Adding an entry the list holds changes nothing.
   */
  add(entries: AccessListEntries): void
  /** Removes entries, checked as `add` checks them; an entry the list does not hold is ignored. */
  remove(entries: AccessListEntries): void
  /** Removes every entry. */
  clear(): void
  /**
   * Whether `value` is on the list: it is one of the keys, or an IP address inside one of the
   * ranges, or an IPv6 network (`'2001:db8:1:2::/64'`, as the bindings' default key groups a client)
   * wholly inside one. Never throws: a value that is no address is only compared with the keys.
   */
  matches(value: string): boolean
  /** How many keys and ranges the list holds (ranges once each, however they were written). */
  readonly size: number
}

const ENTRY_OPTIONS = ['keys', 'addresses']

/**
 * Makes an allow or deny list of keys and IP ranges, for a limiter's `allow` / `deny` options and
 * the bindings' options of the same names. Keys are held in a Set and ranges by prefix length, so
 * a lookup costs a few Set probes whatever the size of the list (10,000 ranges cost what 10 do).
 * Keep the list to change it at run time. Bad entries are a `ConfigError` naming the entry.
 *
 * @example
 * const blocked = accessList({ addresses: ['198.51.100.0/24', '2001:db8:bad::/48'] })
 * const limiter = createRateLimiter({ store, algorithm, deny: blocked, allow: { keys: ['user:admin'] } })
 * blocked.add({ addresses: ['203.0.113.9'] }) // refused from the next call on
 * blocked.matches('::ffff:198.51.100.7')     // true: IPv4-mapped IPv6 is IPv4
 */
export function accessList(entries: AccessListEntries = {}): AccessList {
  return makeList(entries, 'accessList')
}

/**
 * A limiter's or binding's `allow` / `deny` option as a list: an `AccessList` as it is (so changes
 * to it apply), entries (`{ keys, addresses }`) made into a new one, `undefined` as none.
 */
export function toAccessList(value: unknown, where: string): AccessList | undefined {
  if (value === undefined) return undefined
  if (typeof (value as Partial<AccessList> | null)?.matches === 'function') return value as AccessList
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `${where} must be an accessList(…) or its entries, such as { keys: ['user:42'], addresses: ['10.0.0.0/8'] }, got ${show(value)}`,
    )
  }
  return makeList(value as AccessListEntries, where)
}

function makeList(initial: AccessListEntries, where: string): AccessList {
  const keys = new Set<string>()
  const ranges = new RangeTable()
  const apply = (entries: AccessListEntries, method: string, add: boolean) => {
    const checked = checkEntries(entries, method)
    for (const key of checked.keys) {
      if (add) keys.add(key)
      else keys.delete(key)
    }
    for (const range of checked.ranges) {
      if (add) ranges.add(range)
      else ranges.remove(range)
    }
  }
  apply(initial, where, true)
  return {
    add: (entries) => apply(entries, 'accessList.add', true),
    remove: (entries) => apply(entries, 'accessList.remove', false),
    clear() {
      keys.clear()
      ranges.clear()
    },
    matches: (value) => keys.has(value) || ranges.matches(value),
    get size() {
      return keys.size + ranges.size
    },
  }
}

/** Every entry checked before any is applied, so a bad one leaves the list as it was. */
function checkEntries(
  entries: AccessListEntries,
  where: string,
): { keys: readonly string[]; ranges: readonly Range[] } {
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    throw new ConfigError(
      `${where} takes entries such as { keys: ['user:42'], addresses: ['10.0.0.0/8'] }, got ${show(entries)}`,
    )
  }
  optionsObject(entries, where, ENTRY_OPTIONS)
  const keys = listOf(entries.keys, `${where}: keys`)
  for (const key of keys) {
    if (typeof key !== 'string' || key === '') {
      throw new ConfigError(`${where}: a key must be a non-empty string such as 'user:42', got ${show(key)}`)
    }
  }
  const ranges = listOf(entries.addresses, `${where}: addresses`).map((a) => parseRange(a, where))
  return { keys: keys as readonly string[], ranges }
}

function listOf(value: unknown, name: string): readonly unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    throw new ConfigError(`${name} must be an array of strings, got ${show(value)}`)
  }
  return value
}
