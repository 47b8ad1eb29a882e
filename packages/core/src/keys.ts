/**
 * The start of every store key of one limiter: its prefix, escaped so it can never contain the
 * separator, then `:`. The user's key follows unchanged, so two (prefix, key) pairs never collide.
 */
export function keyPrefix(prefix: string): string {
  return `${prefix.replace(/%/g, '%25').replace(/:/g, '%3A')}:`
}
