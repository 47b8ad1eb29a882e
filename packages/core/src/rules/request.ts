import { InputError } from '../errors.ts'
import { MAX_LIMITS_PER_REQUEST } from '../store.ts'
import { show } from '../validate.ts'
import { descriptorId } from './counter.ts'
import { MAX_DESCRIPTOR_LENGTH } from './limits.ts'
import type { Descriptor, DescriptorEntry } from './types.ts'

/**
 * Checks the descriptors of one request, before any store call. An empty or malformed list is an
 * `InputError`, never "no limit": a request that forgot its descriptors must not pass unlimited.
 * So is a list of more than `MAX_LIMITS_PER_REQUEST` descriptors, on every store and whatever the
 * rules in force (each descriptor matches at most one limit, so no store request can then carry
 * more limits than a store takes), and a key or value over `MAX_DESCRIPTOR_LENGTH` UTF-16 code units.
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
  if (descriptors.length > MAX_LIMITS_PER_REQUEST) {
    throw new InputError(
      `a request carries ${descriptors.length} descriptors, over the maximum of ${MAX_LIMITS_PER_REQUEST} that one request may be checked against; send only the descriptors your rules limit, or split the work into several requests`,
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
      const id = descriptorId(descriptors[i] as Descriptor)
      if (seen.has(id)) {
        throw new InputError(
          `descriptors[${i}] (${describeDescriptor(descriptors[i] as Descriptor)}) appears twice in one request; give each descriptor once`,
        )
      }
      seen.add(id)
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
  if (e.key.length > MAX_DESCRIPTOR_LENGTH || e.value.length > MAX_DESCRIPTOR_LENGTH) {
    const [what, text] = e.key.length > MAX_DESCRIPTOR_LENGTH ? ['key', e.key] : ['value', e.value]
    throw new InputError(
      `${at()} has a ${what} ${text.length} UTF-16 code units long; the most is ${MAX_DESCRIPTOR_LENGTH}. Descriptor values become part of store keys, so long ones grow the store's memory: hash a long value, such as an e-mail address, first: createHash('sha256').update(value).digest('base64url')`,
    )
  }
}

/** A descriptor as the Envoy service writes it in stats: `user_42.plan_free`. For messages (it shows values). */
function describeDescriptor(descriptor: Descriptor): string {
  return descriptor.map((e) => `${e.key}_${e.value}`).join('.')
}
