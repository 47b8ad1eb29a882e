// The headers of a rules limiter's responses: one formatter per set of matched policies, made once.
import type { Algorithm } from '../algorithm.ts'
import { type HeaderFormatter, type HeaderMode, headerFormatter, type PolicyInfo } from './headers.ts'
import { describePolicies } from './policies.ts'

/** The policies one response lists, and their formatter (`undefined` when none matched). */
export interface MatchedHeaders {
  readonly policies: readonly PolicyInfo[]
  readonly formatter: HeaderFormatter | undefined
}

/** Sets of matched policies remembered; rules hold a bounded number, so this rarely fills. */
const MAX_REMEMBERED = 256

/**
 * The headers for the limits one rules request matched (`decision.limits`). Requests that match
 * the same rules get the same formatter, so `RateLimit-Policy` is serialised once per set of
 * rules, not per request. Keyed by each policy's name, quota and window (never a request value:
 * names come from the rules); past `MAX_REMEMBERED` sets the oldest is forgotten.
 *
 * @example
 * const headersFor = matchedHeaders('draft-10', 'rateLimit')
 * const { policies, formatter } = headersFor(decision.limits ?? [])
 */
export function matchedHeaders(
  mode: HeaderMode,
  factory: string,
): (limits: readonly Algorithm[]) => MatchedHeaders {
  const made = new Map<string, MatchedHeaders>()
  return (limits) => {
    let id = ''
    for (const a of limits) id += `${a.name.length}:${a.name};${a.limit};${a.windowMs},`
    let entry = made.get(id)
    if (entry === undefined) {
      const policies = describePolicies(limits, undefined, factory)
      entry = { policies, formatter: policies.length === 0 ? undefined : headerFormatter(mode, policies) }
      if (made.size >= MAX_REMEMBERED) made.delete(made.keys().next().value as string)
      made.set(id, entry)
    }
    return entry
  }
}
