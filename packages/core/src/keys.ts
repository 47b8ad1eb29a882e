/**
 * The store key of one limiter's user key: the prefix, escaped so it can never contain the
 * separator, then `:`, then the user's key unchanged. Two (prefix, key) pairs never collide.
 */
export function limiterKey(prefix: string, key: string): string {
  return `${prefix.replace(/%/g, '%25').replace(/:/g, '%3A')}:${key}`
}
