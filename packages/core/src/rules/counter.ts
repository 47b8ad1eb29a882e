import type { Algorithm } from '../algorithm.ts'
import type { Descriptor } from './types.ts'

// Keeps the separators out of keys and values, so every (descriptor, limit) has its own id.
const RESERVED = /[%=&|{}]/g
const HAS_RESERVED = /[%=&|{}]/
const escapePart = (s: string): string =>
  HAS_RESERVED.test(s)
    ? s.replace(RESERVED, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`)
    : s

/** A descriptor as unambiguous text, `user=42&plan=free`: separators inside keys and values are escaped. */
export function descriptorId(descriptor: Descriptor): string {
  let id = ''
  for (let i = 0; i < descriptor.length; i++) {
    const e = descriptor[i] as Descriptor[number]
    id += `${i > 0 ? '&' : ''}${escapePart(e.key)}=${escapePart(e.value)}`
  }
  return id
}

/**
 * The limit one request descriptor is counted under. Its `id` (which names its state in the
 * store, under the domain's key) is the descriptor's entries and the rule's algorithm id, so, as in
 * the Envoy service, each value of a key-only or wildcard descriptor gets its own counter, and a
 * changed limit starts a fresh one. `name` is the policy name in decisions and headers.
 */
export function counterLimit(rule: Algorithm, descriptor: Descriptor, name: string): Algorithm {
  return { ...rule, id: `r:${descriptorId(descriptor)}|${rule.id}`, name }
}
