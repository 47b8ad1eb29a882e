// Keys: the caller's key and the limiter's prefix, checked, and how they make the limiter key.
import { ConfigError, InputError } from './errors.ts'
import { show } from './validate.ts'

/**
 * The longest user key (and limiter prefix) accepted, in UTF-16 code units (`key.length`). Every
 * identifier a limiter should key on fits with room to spare (an e-mail address is at most 254,
 * an IPv6 address 39, a UUID 36, a SHA-256 in hex 64), while a store holding `maxKeys` counters
 * stays bounded in bytes too: without a bound, 8 kB keys from request bodies fill ~0.8 GB per
 * 100,000 counters. Hash anything longer (see `checkKey`).
 */
export const MAX_KEY_LENGTH = 1024

/**
 * The start of every limiter key of one limiter: its prefix, escaped so it can never contain the
 * separator, then `:`. The caller's key follows unchanged, so two (prefix, key) pairs never
 * collide. This is the one prefix and the one separator: stores add none by default.
 */
export function keyPrefix(prefix: string): string {
  return `${prefix.replace(/%/g, '%25').replace(/:/g, '%3A')}:`
}

/**
 * A user key as `limit`, `peek` and `reset` take it: a non-empty string of at most
 * `MAX_KEY_LENGTH` UTF-16 code units, else an `InputError` (before any store call). Hash a long
 * key, such as an e-mail address taken from a request body, before limiting on it.
 *
 * @example
 * // node:crypto; on edge runtimes, crypto.subtle.digest('SHA-256', new TextEncoder().encode(email))
 * const key = createHash('sha256').update(email).digest('base64url')
 */
export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new InputError(`key must be a non-empty string, got ${show(key)}`)
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new InputError(
      `key is ${key.length} UTF-16 code units long; the most is ${MAX_KEY_LENGTH} (MAX_KEY_LENGTH). Hash long keys, such as an e-mail address from a request body, first: createHash('sha256').update(key).digest('base64url')`,
    )
  }
  return key
}

/**
 * A limiter's `prefix`: a non-empty string of at most `MAX_KEY_LENGTH` UTF-16 code units; `'sluice'`
 * when not given. A `ConfigError` otherwise, at construction.
 * @example checkPrefix('login', 'createRateLimiter') // 'login'
 */
export function checkPrefix(prefix: unknown, factory: string): string {
  if (prefix === undefined) return 'sluice'
  if (typeof prefix !== 'string' || prefix === '') {
    throw new ConfigError(`${factory}: prefix must be a non-empty string, got ${show(prefix)}`)
  }
  if (prefix.length > MAX_KEY_LENGTH) {
    throw new ConfigError(
      `${factory}: prefix is ${prefix.length} UTF-16 code units long; the most is ${MAX_KEY_LENGTH} (MAX_KEY_LENGTH); give a short name such as 'login'`,
    )
  }
  return prefix
}
