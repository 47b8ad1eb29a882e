// A limiter's allow and deny lists, and the decisions they give without asking the store.
import type { Algorithm } from '../algorithm.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import type { AccessList } from './accessList.ts'

/** A limiter's lists, as checked at construction: at least one is set. */
export interface AccessLists {
  readonly allow: AccessList | undefined
  readonly deny: AccessList | undefined
}

const NO_POLICIES = Object.freeze([]) as readonly PolicyDecision[]
const NO_LIMITS = Object.freeze([]) as readonly Algorithm[]

/**
 * What a limiter answers for a key on its allow list: admitted, unlimited (`limit` and `remaining`
 * `Infinity`), no policies, `listed: 'allow'`. Nothing is counted.
 */
const ALLOWED_BY_LIST: Decision = Object.freeze({
  allowed: true,
  limit: Number.POSITIVE_INFINITY,
  remaining: Number.POSITIVE_INFINITY,
  resetAfterMs: 0,
  retryAfterMs: 0,
  delayMs: 0,
  policy: '',
  policies: NO_POLICIES,
  listed: 'allow',
})

/**
 * What a limiter answers for a key on its deny list: refused, `limit` and `remaining` 0,
 * `retryAfterMs` and `resetAfterMs` `Infinity` (waiting does not help: only taking the key off the
 * list does, so `wait()` rejects at once), no policies, `listed: 'deny'`. Nothing is counted.
 */
export const DENIED_BY_LIST: Decision = Object.freeze({
  allowed: false,
  limit: 0,
  remaining: 0,
  resetAfterMs: Number.POSITIVE_INFINITY,
  retryAfterMs: Number.POSITIVE_INFINITY,
  delayMs: 0,
  policy: '',
  policies: NO_POLICIES,
  listed: 'deny',
})

/**
 * The decision the lists make for `key`, or `undefined` when neither holds it (the store decides).
 * The deny list is read first and wins: a key on both is refused.
 *
 * @example
 * listedDecision({ allow: undefined, deny: accessList({ keys: ['bot'] }) }, 'bot') // DENIED_BY_LIST
 */
export function listedDecision(lists: AccessLists, key: string): Decision | undefined {
  if (lists.deny?.matches(key)) return DENIED_BY_LIST
  if (lists.allow?.matches(key)) return ALLOWED_BY_LIST
  return undefined
}

/** The limits behind a listed decision: none decided it. */
export const LISTED_LIMITS = NO_LIMITS
