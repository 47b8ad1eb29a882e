// The Redis key of each counter ("store key"): `${storePrefix}{${limiterKey}}:${limit.id}`. The
// limiter key (the limiter's prefix, `:`, the caller's key) is the namespace; a store prefix is
// optional (default none) and is put first as given.
import type { Algorithm } from '@sluice/core'

/**
 * Escapes a limiter key for use inside a Redis Cluster hash tag: `%`, `{` and `}` become
 * `%25`, `%7B` and `%7D`, so a user key can neither end the tag early nor start another one,
 * and two different keys never encode alike.
 */
export function encodeHashTag(key: string): string {
  // Most keys hold none of the three: skip the regex (and its new string) on the hot path.
  if (key.indexOf('%') === -1 && key.indexOf('{') === -1 && key.indexOf('}') === -1) return key
  return key.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'))
}

/**
 * Why a store prefix cannot be used, or `undefined` when it can. A prefix may be empty (the
 * stores' default); it must not contain `{` or `}`, since Redis Cluster hashes the first `{…}`.
 */
export function storePrefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return `prefix must be a string, got ${typeof prefix}`
  if (/[{}]/.test(prefix)) {
    return `prefix must not contain '{' or '}' (Redis Cluster would hash it instead of the key), got ${JSON.stringify(prefix)}`
  }
  return undefined
}

/** What names a limit's key: its id, and its kind where the kind's state format has its own key. */
export type KeyedLimit = Pick<Algorithm, 'id'> & { readonly kind?: Algorithm['kind'] }

/**
 * What follows a fixed window's id in its key: its state is a bitfield (lua/fixedWindow.lua), not
 * the text 'windowStart count' of earlier versions, which BITFIELD would misread. A key of its own
 * makes an upgrade start fresh fixed-window counters (at most one window) instead.
 */
export const FIXED_WINDOW_KEY_SUFFIX = ':b'

/** The last part of a limit's key: its id, with the fixed window's suffix. */
function keyId(limit: KeyedLimit): string {
  return limit.kind === 'fixedWindow' ? limit.id + FIXED_WINDOW_KEY_SUFFIX : limit.id
}

/**
 * The store key: the Redis key holding one counter (one limit's state for one limiter key),
 * `${prefix}{${encodeHashTag(limiterKey)}}:${limit.id}` (a fixed window's followed by `:b`, see
 * `FIXED_WINDOW_KEY_SUFFIX`). Every limit of one decision shares the hash tag, hence one Cluster
 * slot; as the tag is the only `{…}` and holds no braces, the (prefix, limiter key, limit id)
 * triple can be read back from the key, so none collide.
 */
export function storeKey(prefix: string, limiterKey: string, limit: KeyedLimit): string {
  return `${prefix}{${encodeHashTag(limiterKey)}}:${keyId(limit)}`
}

/** The keys of every limit of one decision, in order: the keys a script call declares for it. */
export function storeKeys(prefix: string, limiterKey: string, limits: readonly KeyedLimit[]): string[] {
  const tagged = `${prefix}{${encodeHashTag(limiterKey)}}:`
  const keys: string[] = []
  for (const limit of limits) keys.push(tagged + keyId(limit))
  return keys
}
