import type { HeaderEntry } from './headers.ts'
import { appendListMembers } from './structuredFields.ts'

/** Read and write access to a response's headers, whatever the framework. */
export interface HeaderTarget {
  /** The current value (a string, a number, an array of lines or undefined). */
  get(name: string): unknown
  set(name: string, value: string): void
}

/**
 * Writes headers from a check onto a response so that several middlewares on one route compose:
 * `RateLimit` and `RateLimit-Policy` gain list members; the single-valued legacy trio
 * `X-RateLimit-*` describes the tightest middleware (a refusing one, else the one with the fewest
 * `Remaining`, the later on a tie); anything else (`Retry-After`, `Cache-Control`) is set.
 *
 * @example
 * applyHeaders(outcome.headers, { get: (n) => res.getHeader(n), set: (n, v) => res.setHeader(n, v) })
 */
export function applyHeaders(headers: readonly HeaderEntry[], target: HeaderTarget): void {
  let legacy: boolean | undefined
  for (const [name, value] of headers) {
    if (name === 'RateLimit' || name === 'RateLimit-Policy') {
      target.set(name, appendListMembers(target.get(name), value))
    } else if (name.startsWith('X-RateLimit-')) {
      legacy ??= replacesLegacy(headers, target)
      if (legacy) target.set(name, value)
    } else {
      target.set(name, value)
    }
  }
}

function replacesLegacy(headers: readonly HeaderEntry[], target: HeaderTarget): boolean {
  const existing = target.get('X-RateLimit-Remaining')
  // Some frameworks (Koa) answer '' for an unset header.
  if (existing === undefined || existing === null || existing === '') return true
  if (headers.some(([name]) => name === 'Retry-After')) return true
  const mine = Number(headers.find(([name]) => name === 'X-RateLimit-Remaining')?.[1])
  const theirs = Number(Array.isArray(existing) ? existing[0] : existing)
  return Number.isNaN(theirs) || mine <= theirs
}
