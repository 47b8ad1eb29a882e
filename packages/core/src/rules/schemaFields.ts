// The validation helpers of the rules schema: own fields only, known keys, booleans.

import type { AlgorithmKind } from '../algorithm.ts'
import { didYouMean } from '../suggest.ts'
import { show } from '../validate.ts'
import { MAX_RULES_DEPTH, TOO_DEEP } from './limits.ts'
import type { Fail } from './location.ts'
import { unsupportedKey } from './unsupported.ts'

/** A mapping's own fields, copied into an object without a prototype: nothing is read through one. */
export type Fields = Readonly<Record<string, unknown>>

/** A mapping's own fields, copied into an object without a prototype; depth bounded. */
export function fields(value: unknown, path: string, fail: Fail, expected: string, depth: number): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(path, 'value', `${expected}, got ${show(value)}`)
  }
  if (depth > MAX_RULES_DEPTH) throw fail(path, 'value', TOO_DEEP)
  const own: Record<string, unknown> = Object.create(null)
  for (const k of Object.keys(value)) own[k] = (value as Record<string, unknown>)[k]
  return own
}

/** Refuses keys not in `known`: a specific error for the service's unsupported keys, else did-you-mean. */
export function knownKeys(value: Fields, path: string, known: readonly string[], fail: Fail): void {
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) {
      const at = path === '' ? k : `${path}.${k}`
      const why = unsupportedKey(k)
      if (why !== undefined) throw fail(at, 'key', why)
      throw fail(at, 'key', `unknown key ${JSON.stringify(k)}${didYouMean(k, known)}`)
    }
  }
}

/** A boolean field (false when absent). */
export function flag(value: unknown, path: string, fail: Fail): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean')
    throw fail(
      path,
      'value',
      `${path.slice(path.lastIndexOf('.') + 1)} must be true or false, got ${show(value)}`,
    )
  return value
}

/** `tokenBucket` → `token_bucket`. */
export function snake(kind: AlgorithmKind): string {
  return kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}
