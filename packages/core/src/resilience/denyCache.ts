// The deny cache: counters the store found exhausted, answered in-process until their wait is over.
import type { Algorithm } from '../algorithm.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import type { StoreRequest } from '../store.ts'
import { monotonicNow } from './runtime.ts'

/**
 * Deny cache settings: `true` / `false` to force it on or off, or its size: `maxKeys`, the most
 * counters (a limiter key under one limit) it remembers. Default 10,000.
 */
export type DenyCacheOption = boolean | { readonly maxKeys?: number }

/** One counter the store said is exhausted: it denies `cost` (under `maxDelayMs`) until `until`. */
interface Exhausted {
  /** The counter: its limit id and limiter key (where it is held in `DenyCache`). */
  readonly id: string
  readonly limiterKey: string
  readonly cost: number
  readonly maxDelayMs: number
  /** When the denial was asked for, on the cache's time line. */
  readonly at: number
  /** Until when this counter denies this cost (and any costlier or less patient request). */
  readonly until: number
  /** The store's whole answer to the request that found it exhausted, shared by its counters. */
  readonly limits: readonly Algorithm[]
  readonly decision: Decision
  /** This counter's place in `limits` and `decision.policies`. */
  readonly index: number
}

/**
 * Remembers which *counters* (a limiter key and a limit id: one stored state) the store found
 * exhausted, so a request that includes one of them is denied in-process, without a round trip,
 * until the counter's own `retryAfterMs` is over. A request is all-or-nothing, so one exhausted
 * counter denies it whatever its other limits are: a denied user is answered locally on every
 * route and path, not only on the exact set of limits it was denied with before.
 *
 * Sound by construction:
 * - it only ever answers denials, so it can never admit what the store would deny;
 * - it answers only `limit()` calls (never peeks), and uses a counter's record only for a cost at
 *   least the denied one and a `maxDelayMs` at most the denied one (with per-limit costs, the
 *   counter's own entry of `StoreRequest.costs`, both when recorded and when answering, so a call
 *   that takes little under a counter denied for much is asked of the store): every algorithm denies those
 *   at least as long, and each limit's verdict depends on its own state alone (`stepAll`), which
 *   other requests can only fill further;
 * - the wait is measured from when the request was *sent* (`retryAfterMs` counts from when the
 *   store decided, which is later), on the limiter's clock when it has one, else on this process's
 *   monotonic clock, so clock differences between app and store cannot stretch a denial;
 * - concurrency limits are never recorded: a release (here or in another process) frees a slot
 *   before their `retryAfterMs`;
 * - a blocked key (a penalty) is a denial like any other: it is answered here until the block
 *   ends, with its `blockedUntil` (cheap, and exact: nothing lifts a block early but `unban`, and
 *   `unban` through the limiter forgets its counters here);
 * - `reset` through the limiter forgets the counters it resets. What it cannot see: a reset by
 *   another process, or a limit raised elsewhere; those take effect here at the end of the wait at
 *   the latest.
 *
 * Memory is bounded: at most `maxKeys` counters; past that the oldest record is dropped.
 */
export class DenyCache {
  /**
   * Limit id → limiter key → record: a lookup per limit of a request, without building a counter
   * string on every call (the ids are few; the keys are the limiter keys requests carry anyway).
   */
  readonly #byLimit = new Map<string, Map<string, Exhausted>>()
  /** Every record, oldest first: what goes past `maxKeys`. */
  readonly #order = new Set<Exhausted>()

  constructor(private readonly maxKeys: number) {}

  /** The time line a request is measured on. */
  static clock(request: StoreRequest): number {
    return request.now ?? monotonicNow()
  }

  /** A denial for `request` at time `t`, or `undefined` to ask the store. */
  answer(request: StoreRequest, t: number): Decision | undefined {
    if (!request.consume || request.cost === 0 || this.#order.size === 0) return undefined
    const limits = request.limits
    const maxDelayMs = request.maxDelayMs ?? Number.POSITIVE_INFINITY
    let found: (Exhausted | undefined)[] | undefined
    let decider = -1
    for (let i = 0; i < limits.length; i++) {
      const entry = this.#byLimit.get((limits[i] as Algorithm).id)?.get(request.key)
      if (entry === undefined) continue
      if (t >= entry.until || t < entry.at) {
        // Over, or a clock that went back: ask the store again.
        this.#delete(entry)
        continue
      }
      // This counter's own cost: with per-limit costs, what the request takes under this limit.
      const cost = request.costs === undefined ? request.cost : (request.costs[i] as number)
      if (cost < entry.cost || maxDelayMs > entry.maxDelayMs) continue
      found ??= new Array<Exhausted | undefined>(limits.length)
      found[i] = entry
      // As `combine` does: the denying limit with the longest wait decides.
      if (decider < 0 || entry.until > (found[decider] as Exhausted).until) decider = i
    }
    return found === undefined ? undefined : denial(limits, found, decider, t)
  }

  /** Records the store's answer to `request`, asked at time `t`: each counter it found exhausted. */
  remember(request: StoreRequest, t: number, decision: Decision): void {
    if (decision.allowed || !request.consume || request.cost === 0) return
    const limits = request.limits
    const policies = decision.policies
    for (let i = 0; i < policies.length; i++) {
      const p = policies[i] as PolicyDecision
      // A full concurrency limit frees when a holder releases, in any process: its retryAfterMs (the
      // oldest lease's expiry) is only an upper bound, so it is never answered from here.
      if (p.allowed || p.retryAfterMs <= 0 || (limits[i] as Algorithm).kind === 'concurrency') continue
      this.#set({
        id: (limits[i] as Algorithm).id,
        limiterKey: request.key,
        cost: request.costs === undefined ? request.cost : (request.costs[i] as number),
        maxDelayMs: request.maxDelayMs ?? Number.POSITIVE_INFINITY,
        at: t,
        until: t + p.retryAfterMs,
        limits,
        decision,
        index: i,
      })
    }
  }

  /** Forgets the counters of `limiterKey` under `limits` (what a reset through the limiter resets). */
  forget(limiterKey: string, limits: readonly Algorithm[]): void {
    if (this.#order.size === 0) return
    for (const limit of limits) {
      const entry = this.#byLimit.get(limit.id)?.get(limiterKey)
      if (entry !== undefined) this.#delete(entry)
    }
  }

  clear(): void {
    this.#byLimit.clear()
    this.#order.clear()
  }

  /** Counters held. */
  get size(): number {
    return this.#order.size
  }

  #set(entry: Exhausted): void {
    let byKey = this.#byLimit.get(entry.id)
    const old = byKey?.get(entry.limiterKey)
    // Deleted first, so a renewed record moves to the young end of the order.
    if (old !== undefined) this.#delete(old)
    else if (this.#order.size >= this.maxKeys) this.#delete(this.#order.values().next().value as Exhausted)
    byKey = this.#byLimit.get(entry.id)
    if (byKey === undefined) {
      byKey = new Map()
      this.#byLimit.set(entry.id, byKey)
    }
    byKey.set(entry.limiterKey, entry)
    this.#order.add(entry)
  }

  #delete(entry: Exhausted): void {
    this.#order.delete(entry)
    const byKey = this.#byLimit.get(entry.id)
    byKey?.delete(entry.limiterKey)
    // A limit without records goes, so limit ids without number cannot pile up maps.
    if (byKey?.size === 0) this.#byLimit.delete(entry.id)
  }
}

/**
 * The answer for a request whose counters `found` (by position) are exhausted, `elapsed` after
 * each was recorded, with the waits shortened by that much. The deciding policy is the exhausted
 * counter with the longest wait. Every other limit of the request reports, in this order of
 * preference:
 * - its own exhausted record, when it has one that applies (it denies too);
 * - the numbers the store gave for it in the answer the deciding record came from, when that
 *   answer covered it, as not denying (a denial takes nothing, so they still hold unless other
 *   requests took more since);
 * - else `remaining` 0 and `resetAfterMs` its window, as not denying: this process has not asked
 *   the store about that counter, and these are the numbers that never promise quota it may not
 *   have (headers show them; the request is refused by the deciding policy either way).
 */
function denial(
  limits: readonly Algorithm[],
  found: readonly (Exhausted | undefined)[],
  decider: number,
  t: number,
): Decision {
  const known = found[decider] as Exhausted
  const policies: PolicyDecision[] = []
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i] as Algorithm
    const own = found[i]
    if (own !== undefined) {
      policies.push(aged(own.decision.policies[own.index] as PolicyDecision, t - own.at, limit.name, false))
      continue
    }
    const j = indexOf(known.limits, limit.id, i)
    policies.push(
      j >= 0
        ? aged(known.decision.policies[j] as PolicyDecision, t - known.at, limit.name, true)
        : unknownCounter(limit),
    )
  }
  const d = policies[decider] as PolicyDecision
  const answer: Decision = {
    allowed: false,
    limit: d.limit,
    remaining: d.remaining,
    resetAfterMs: d.resetAfterMs,
    retryAfterMs: d.retryAfterMs,
    delayMs: 0,
    policy: d.policy,
    policies,
  }
  // A blocked key (a penalty): the block's end holds as it was, so a cached denial says it too.
  const blockedUntil = known.decision.blockedUntil
  return blockedUntil === undefined ? answer : { ...answer, blockedUntil }
}

/** Where the limit with `id` is in `limits`: at `hint` when the lists match (a plain limiter), else searched. */
function indexOf(limits: readonly Algorithm[], id: string, hint: number): number {
  if ((limits[hint] as Algorithm | undefined)?.id === id) return hint
  for (let i = 0; i < limits.length; i++) if ((limits[i] as Algorithm).id === id) return i
  return -1
}

/**
 * A policy as it reads `elapsed` ms after the store gave it: its waits shorter by that much.
 * With `admitting`, it is reported as not deciding this denial (`retryAfterMs` 0).
 */
function aged(p: PolicyDecision, elapsed: number, policy: string, admitting: boolean): PolicyDecision {
  const allowed = admitting || p.allowed
  return {
    allowed,
    limit: p.limit,
    remaining: p.remaining,
    resetAfterMs: Math.max(0, Math.ceil(p.resetAfterMs - elapsed)),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil(p.retryAfterMs - elapsed)),
    delayMs: 0,
    policy,
  }
}

function unknownCounter(limit: Algorithm): PolicyDecision {
  return {
    allowed: true,
    limit: limit.limit,
    remaining: 0,
    resetAfterMs: limit.windowMs,
    retryAfterMs: 0,
    delayMs: 0,
    policy: limit.name,
  }
}
