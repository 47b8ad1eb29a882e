// The limits of requests that override their rule's limit (Envoy's `RateLimitDescriptor.limit`).
import type { Algorithm } from '../algorithm.ts'
import { fixedWindow } from '../algorithms/fixedWindow.ts'
import type { CheckedOverride } from './request.ts'

/** As many distinct overrides as are kept made; past it the cache starts afresh (plans are few). */
const MAX_KEPT = 256

/**
 * Makes the fixed window of an override once per quota, window and policy name, as the rules'
 * own limits are made once per rule set; a request that overrides is then no slower than one that
 * does not. Bounded: overrides that differ per request cost a `fixedWindow` each, never memory.
 *
 * @example
 * overrideCache().get({ requestsPerUnit: 10, windowMs: 60_000 }, 'user').limit // 10
 */
export function overrideCache(): { get(override: CheckedOverride, name: string): Algorithm } {
  const made = new Map<string, Algorithm>()
  return {
    get({ requestsPerUnit, windowMs }, name) {
      const id = `${requestsPerUnit}/${windowMs}/${name}`
      let limit = made.get(id)
      if (limit === undefined) {
        if (made.size >= MAX_KEPT) made.clear()
        limit = fixedWindow({ limit: requestsPerUnit, window: windowMs, name })
        made.set(id, limit)
      }
      return limit
    },
  }
}
