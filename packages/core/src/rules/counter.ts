import type { Algorithm } from '../algorithm.ts'
import type { Descriptor, RuleDescriptor } from './types.ts'

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
 * changed limit starts a fresh one. At a level whose rule has `share_threshold: true` (`levels`,
 * the rule each entry matched), the entry's value is replaced by the rule's wildcard, so every
 * value it matches shares one counter: a key derivation, so one atomic store step on every store.
 * `name` is the policy name in decisions and headers.
 */
export function counterLimit(
  rule: Algorithm,
  descriptor: Descriptor,
  name: string,
  levels?: readonly RuleDescriptor[],
): Algorithm {
  return { ...rule, id: `${counterId(descriptor, levels)}|${rule.id}`, name }
}

function counterId(descriptor: Descriptor, levels: readonly RuleDescriptor[] | undefined): string {
  if (levels === undefined || !levels.some((l) => l.shareThreshold)) return `r:${descriptorId(descriptor)}`
  // `s` and the shared levels' places: never the id of a descriptor whose values are the wildcards.
  let places = ''
  const shared = descriptor.map((e, i) => {
    const rule = levels[i] as RuleDescriptor
    if (!rule.shareThreshold) return e
    places += `${i},`
    return { key: e.key, value: rule.value as string }
  })
  return `s${places}:${descriptorId(shared)}`
}
