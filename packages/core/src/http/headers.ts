// How a response advertises its policies: header modes, and formatters that serialise once per middleware.
import { isTighter } from '../combine.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import { sfInteger, sfString } from './structuredFields.ts'

/**
 * Which rate-limit headers a response carries. `'draft-10'` is the IETF
 * draft-ietf-httpapi-ratelimit-headers-10 syntax (`RateLimit-Policy` and `RateLimit`); a later
 * revision gets its own mode, so upgrading is a visible choice. `'legacy'` is the
 * `X-RateLimit-Limit/Remaining/Reset` trio, `'both'` sends both, `false` none (a 429 still carries
 * `Retry-After`).
 */
export type HeaderMode = 'draft-10' | 'legacy' | 'both' | false

/** Every accepted {@link HeaderMode}, for validation and docs. */
export const HEADER_MODES: readonly HeaderMode[] = Object.freeze(['draft-10', 'legacy', 'both', false])

/** One response header: name and serialised value. */
export type HeaderEntry = readonly [name: string, value: string]

/** What a policy advertises, fixed for a middleware: its header name, quota and window. */
export interface PolicyInfo {
  /** The name in headers and problem bodies (already made ASCII by `asciiPolicyName`). */
  readonly name: string
  /** `q`: the most it admits at once (`Algorithm.limit`). */
  readonly quota: number
  /** `w`: its window in milliseconds (`Algorithm.windowMs`), sent in whole seconds rounded up. */
  readonly windowMs: number
}

/** What a policy says in one response. */
export interface PolicyStatus {
  /** `r`: units left. */
  readonly remaining: number
  /** `t`: milliseconds until more quota is available, sent in whole seconds rounded up. */
  readonly resetMs: number
}

/** Formats the rate-limit headers of one response; made once per middleware. */
export interface HeaderFormatter {
  readonly mode: HeaderMode
  /**
   * @param status one entry per policy, in the order the formatter was made with
   * @param headline index of the policy the single-valued legacy headers describe
   * @param nowMs epoch milliseconds, for the legacy `X-RateLimit-Reset` (epoch seconds)
   */
  format(status: readonly PolicyStatus[], headline: number, nowMs: number): HeaderEntry[]
  /**
   * The headers of an admitted request that waits for nothing, the common case, straight from the
   * decision: what `format` sends for it (`t` = each policy's `resetAfterMs`, the headline the
   * policy with the least left), without a plan. A single policy's numbers are the decision's own,
   * so `decision.policies` is not read. `nowMs` (default `Date.now()`) is read for legacy only.
   */
  admitted(decision: Decision, nowMs?: number): HeaderEntry[]
}

/** Milliseconds to whole seconds, rounded up (never negative): 1 ms → 1, 1000 ms → 1, 1001 ms → 2. */
export function secondsUp(ms: number): number {
  return ms > 0 ? Math.ceil(ms / 1000) : 0
}

/**
 * Makes the header formatter for a fixed list of policies. Everything that does not change per
 * request is serialised once, here: the whole `RateLimit-Policy` field (one shared entry), the
 * start of every `RateLimit` member and each legacy `X-RateLimit-Limit` value.
 *
 * draft-10, one member per policy, RFC 9651 lists joined by `, `:
 * `RateLimit-Policy: "name";q=100;w=60` and `RateLimit: "name";r=99;t=42`.
 * Legacy: `X-RateLimit-Limit: 100`, `X-RateLimit-Remaining: 99`, `X-RateLimit-Reset: <epoch s>`
 * for the headline policy.
 *
 * @example
 * const f = headerFormatter('draft-10', [{ name: 'api', quota: 100, windowMs: 60_000 }])
 * f.format([{ remaining: 99, resetMs: 41_200 }], 0, Date.now())
 * // [['RateLimit-Policy', '"api";q=100;w=60'], ['RateLimit', '"api";r=99;t=42']]
 */
export function headerFormatter(mode: HeaderMode, policies: readonly PolicyInfo[]): HeaderFormatter {
  const draft = mode === 'draft-10' || mode === 'both'
  const legacy = mode === 'legacy' || mode === 'both'
  const names = policies.map((p) => sfString(p.name))
  const policyEntry: HeaderEntry = Object.freeze([
    'RateLimit-Policy',
    policies
      .map((p, i) => `${names[i]};q=${sfInteger(p.quota)};w=${Math.max(1, secondsUp(p.windowMs))}`)
      .join(', '),
  ] as const)
  const memberStart = names.map((n) => `${n};r=`)
  const quotas = policies.map((p) => sfInteger(p.quota))

  function legacyEntries(
    out: HeaderEntry[],
    headline: number,
    remaining: number,
    resetMs: number,
    nowMs: number,
  ) {
    out.push(
      ['X-RateLimit-Limit', quotas[headline] as string],
      ['X-RateLimit-Remaining', sfInteger(Math.max(0, remaining))],
      ['X-RateLimit-Reset', String(Math.ceil((nowMs + Math.max(0, resetMs)) / 1000))],
    )
  }

  return {
    mode,
    format(status, headline, nowMs) {
      const out: HeaderEntry[] = []
      if (draft) {
        let value = ''
        for (let i = 0; i < memberStart.length; i++) {
          const s = status[i] as PolicyStatus
          if (i > 0) value += ', '
          value += `${memberStart[i]}${sfInteger(Math.max(0, s.remaining))};t=${secondsUp(s.resetMs)}`
        }
        out.push(policyEntry, ['RateLimit', value])
      }
      if (legacy) {
        const s = status[headline] as PolicyStatus
        legacyEntries(out, headline, s.remaining, s.resetMs, nowMs)
      }
      return out
    },
    admitted(decision, nowMs) {
      const out: HeaderEntry[] = []
      if (memberStart.length === 1) {
        const { remaining, resetAfterMs } = decision
        if (draft) {
          const value = `${memberStart[0]}${sfInteger(Math.max(0, remaining))};t=${secondsUp(resetAfterMs)}`
          out.push(policyEntry, ['RateLimit', value])
        }
        if (legacy) legacyEntries(out, 0, remaining, resetAfterMs, nowMs ?? Date.now())
        return out
      }
      const list = decision.policies
      let headline = 0
      for (let i = 1; i < list.length; i++) {
        if (isTighter(list[i] as PolicyDecision, list[headline] as PolicyDecision)) headline = i
      }
      if (draft) {
        let value = ''
        for (let i = 0; i < memberStart.length; i++) {
          const p = list[i] as PolicyDecision
          if (i > 0) value += ', '
          value += `${memberStart[i]}${sfInteger(Math.max(0, p.remaining))};t=${secondsUp(p.resetAfterMs)}`
        }
        out.push(policyEntry, ['RateLimit', value])
      }
      if (legacy) {
        const p = list[headline] as PolicyDecision
        legacyEntries(out, headline, p.remaining, p.resetAfterMs, nowMs ?? Date.now())
      }
      return out
    },
  }
}
