// Checks what a store answers before any of it reaches a decision, a header or the deny cache.
import type { LimitDecision } from './algorithm.ts'
import { StoreError } from './errors.ts'
import { show } from './validate.ts'

/**
 * The store's reply to a request of `limits` limits, if it keeps the `Store` contract: an array of
 * one decision per limit, each with `allowed` a boolean and every number whole, finite and ≥ 0
 * (`limit` ≥ 1). Otherwise a `StoreError` naming the store, the field and the value, which the
 * failure policy handles like any store fault: a broken server, a proxy or a third-party store
 * must never turn into `remaining: -999999999999` or `Retry-After: Infinity`.
 *
 * A plain loop with no allocation unless the reply is bad: this runs on every store call.
 * @example const decisions = checkReply(store.name, request.limits.length, await store.apply(request))
 */
export function checkReply(store: string, limits: number, reply: unknown): readonly LimitDecision[] {
  if (!Array.isArray(reply) || reply.length !== limits) {
    throw badReply(
      store,
      `it must be an array of ${limits} ${limits === 1 ? 'decision' : 'decisions'} (one per limit), got ${Array.isArray(reply) ? `an array of ${reply.length}` : show(reply)}`,
    )
  }
  for (let i = 0; i < limits; i++) checkDecision(store, i, reply[i])
  return reply as readonly LimitDecision[]
}

/**
 * Decision `i` of a store's reply, if it keeps the `Store` contract (see `checkReply`); a
 * `StoreError` otherwise. Also the whole check of a `syncDecider`'s answer: a few comparisons, no
 * allocation unless it is bad.
 * @example checkDecision('memory', 0, out)
 */
export function checkDecision(store: string, i: number, reply: unknown): void {
  const d = reply as Partial<LimitDecision> | null | undefined
  if (typeof d === 'object' && d !== null && wellFormed(d)) return
  if (typeof d !== 'object' || d === null) throw badReply(store, `decision ${i} is ${show(d)}`)
  if (typeof d.allowed !== 'boolean') throw badField(store, i, 'allowed', d.allowed, 'true or false')
  if (!whole(d.limit) || (d.limit as number) < 1) {
    throw badField(store, i, 'limit', d.limit, 'a whole number ≥ 1')
  }
  if (!whole(d.remaining)) throw badField(store, i, 'remaining', d.remaining, WHOLE)
  if (!whole(d.resetAfterMs)) throw badField(store, i, 'resetAfterMs', d.resetAfterMs, WHOLE)
  if (!whole(d.retryAfterMs)) throw badField(store, i, 'retryAfterMs', d.retryAfterMs, WHOLE)
  if (!whole(d.delayMs)) throw badField(store, i, 'delayMs', d.delayMs, WHOLE)
  if (d.blockedUntil !== undefined && !whole(d.blockedUntil)) {
    throw badField(store, i, 'blockedUntil', d.blockedUntil, 'absent or a whole number ≥ 0 (epoch ms)')
  }
}

/** The checks of `checkDecision` in one expression: the path every good reply takes. */
function wellFormed(d: Partial<LimitDecision>): boolean {
  return (
    typeof d.allowed === 'boolean' &&
    whole(d.limit) &&
    (d.limit as number) >= 1 &&
    whole(d.remaining) &&
    whole(d.resetAfterMs) &&
    whole(d.retryAfterMs) &&
    whole(d.delayMs) &&
    (d.blockedUntil === undefined || whole(d.blockedUntil))
  )
}

const WHOLE = 'a whole number ≥ 0'

/** A finite whole number ≥ 0 (`Number.isInteger` is false for NaN, ±Infinity and non-numbers). */
function whole(n: unknown): boolean {
  return Number.isInteger(n) && (n as number) >= 0
}

function badField(store: string, i: number, field: string, value: unknown, expected: string): StoreError {
  return badReply(store, `decision ${i}: ${field} must be ${expected}, got ${show(value)}`)
}

function badReply(store: string, what: string): StoreError {
  return new StoreError(
    `${store} store: bad reply: ${what}. The store (or a proxy in front of it) is broken or does not keep the sluice Store contract; this call is handled as a store fault`,
  )
}
