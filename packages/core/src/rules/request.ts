import { InputError } from '../errors.ts'
import { MAX_LIMITS_PER_REQUEST } from '../store.ts'
import { show } from '../validate.ts'
import { descriptorId } from './counter.ts'
import { MAX_DESCRIPTOR_LENGTH } from './limits.ts'
import type { Descriptor, DescriptorEntry, LimitOverride } from './types.ts'
import { unitMs } from './units.ts'

/** A request's descriptors, checked: their entries, and the limit each overrides its rule with. */
export interface CheckedDescriptors {
  readonly list: readonly Descriptor[]
  /** Per descriptor, its override's window and quota; `undefined` when no descriptor has one. */
  readonly overrides: readonly (CheckedOverride | undefined)[] | undefined
}

/** A `LimitOverride`, checked: its quota and its window in milliseconds. */
export interface CheckedOverride {
  readonly requestsPerUnit: number
  readonly windowMs: number
}

/**
 * Checks the descriptors of one request, before any store call. An empty or malformed list is an
 * `InputError`, never "no limit": a request that forgot its descriptors must not pass unlimited.
 * So is a list of more than `MAX_LIMITS_PER_REQUEST` descriptors, on every store and whatever the
 * rules in force (each descriptor matches at most one limit, so no store request can then carry
 * more limits than a store takes), and a key or value over `MAX_DESCRIPTOR_LENGTH` UTF-16 code units.
 */
export function checkDescriptors(request: unknown): CheckedDescriptors {
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
  let list = descriptors as Descriptor[]
  let overrides: (CheckedOverride | undefined)[] | undefined
  for (let i = 0; i < descriptors.length; i++) {
    let d: unknown = descriptors[i]
    if (typeof d === 'object' && d !== null && !Array.isArray(d)) {
      // Envoy's form, { entries, limit }: the entries are the descriptor, the limit its override.
      if (overrides === undefined) {
        overrides = new Array(descriptors.length).fill(undefined)
        list = descriptors.slice()
      }
      const withLimit = d as { entries?: unknown; limit?: unknown }
      overrides[i] = checkOverride(withLimit, i)
      d = withLimit.entries
      list[i] = d as Descriptor
    }
    if (!Array.isArray(d) || d.length === 0) {
      throw new InputError(
        `descriptors[${i}] must be a non-empty list of { key, value } entries, got ${show(d)}`,
      )
    }
    for (let j = 0; j < d.length; j++) checkEntry(d[j], i, j)
  }
  if (descriptors.length > 1) {
    const seen = new Set<string>()
    for (let i = 0; i < list.length; i++) {
      const id = descriptorId(list[i] as Descriptor)
      if (seen.has(id)) {
        throw new InputError(
          `descriptors[${i}] (${describeDescriptor(list[i] as Descriptor)}) appears twice in one request; give each descriptor once`,
        )
      }
      seen.add(id)
    }
  }
  return { list, overrides }
}

/** `descriptors[i]` in Envoy's form `{ entries, limit: { requests_per_unit, unit } }`: its limit, checked. */
function checkOverride(d: { entries?: unknown; limit?: unknown }, i: number): CheckedOverride {
  const extra = Object.keys(d).find((k) => k !== 'entries' && k !== 'limit')
  if (extra !== undefined || d.entries === undefined || d.limit === undefined) {
    throw new InputError(
      `descriptors[${i}] must be a list of { key, value } entries, or { entries, limit: { requests_per_unit, unit } } to override its rule's limit; got ${show(d)}`,
    )
  }
  const limit = d.limit as Partial<LimitOverride> | null
  const perUnit = limit?.requests_per_unit
  const windowMs = typeof limit?.unit === 'string' ? unitMs(limit.unit) : undefined
  const extraField =
    limit === null || typeof limit !== 'object'
      ? undefined
      : Object.keys(limit).find((k) => k !== 'requests_per_unit' && k !== 'unit')
  if (
    typeof perUnit !== 'number' ||
    !Number.isSafeInteger(perUnit) ||
    perUnit < 0 ||
    windowMs === undefined ||
    extraField !== undefined
  ) {
    throw new InputError(
      `descriptors[${i}].limit must be { requests_per_unit, unit } with a whole number ≥ 0 and a unit (second, minute, hour, day, week, month, year), got ${show(d.limit)}`,
    )
  }
  return { requestsPerUnit: perUnit, windowMs }
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
