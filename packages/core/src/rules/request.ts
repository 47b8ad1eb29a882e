import { InputError } from '../errors.ts'
import { show } from '../validate.ts'
import type { Descriptor, DescriptorEntry } from './types.ts'

/**
 * Checks the descriptors of one request. An empty or malformed list is an `InputError`, never
 * "no limit": a request that forgot its descriptors must not pass unlimited.
 */
export function checkDescriptors(request: unknown): readonly Descriptor[] {
  const descriptors = (request as { descriptors?: unknown } | null | undefined)?.descriptors
  if (typeof request !== 'object' || request === null || !Array.isArray(descriptors)) {
    throw new InputError(
      `a rules limiter takes { descriptors: [[{ key, value }, …], …] }, got ${show(request)}${typeof request === 'string' ? '; rules limiters have no plain key: describe the request with descriptors' : ''}`,
    )
  }
  if (descriptors.length === 0) {
    throw new InputError(
      'descriptors is empty, so no rule could apply; give at least one descriptor such as [{ key: "user", value: id }]',
    )
  }
  // Loops, and message paths built only on failure: this runs on every request.
  for (let i = 0; i < descriptors.length; i++) {
    const d: unknown = descriptors[i]
    if (!Array.isArray(d) || d.length === 0) {
      throw new InputError(
        `descriptors[${i}] must be a non-empty list of { key, value } entries, got ${show(d)}`,
      )
    }
    for (let j = 0; j < d.length; j++) checkEntry(d[j], i, j)
  }
  if (descriptors.length > 1) {
    const seen = new Set<string>()
    for (let i = 0; i < descriptors.length; i++) {
      const text = describeDescriptor(descriptors[i] as Descriptor)
      if (seen.has(text)) {
        throw new InputError(
          `descriptors[${i}] (${text}) appears twice in one request; give each descriptor once`,
        )
      }
      seen.add(text)
    }
  }
  return descriptors as Descriptor[]
}

function checkEntry(entry: unknown, i: number, j: number): void {
  const e = entry as Partial<DescriptorEntry> | null
  const at = (): string => `descriptors[${i}][${j}]`
  if (typeof entry !== 'object' || e === null || typeof e.key !== 'string' || e.key === '') {
    throw new InputError(`${at()} must be { key, value } with a non-empty string key, got ${show(entry)}`)
  }
  if (typeof e.value !== 'string' || e.value === '') {
    throw new InputError(
      `${at()} (key ${JSON.stringify(e.key)}) needs a non-empty string value, got ${show(e.value)}; convert ids with String(id), and leave out descriptors whose value the request lacks`,
    )
  }
}

/** A descriptor as the Envoy service writes it in stats: `user_42.plan_free`. For names and messages. */
export function describeDescriptor(descriptor: Descriptor): string {
  return descriptor.map((e) => `${e.key}_${e.value}`).join('.')
}
