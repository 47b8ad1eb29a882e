import type { Algorithm } from '../algorithm.ts'
import type { Decision, PolicyDecision } from '../decision.ts'
import type { StoreRequest } from '../store.ts'
import { monotonicNow } from './runtime.ts'

/** Deny cache settings: `true` / `false` to force it on or off, or its size. */
export type DenyCacheOption = boolean | { readonly maxKeys?: number }

interface Denial {
  readonly limits: readonly Algorithm[]
  readonly cost: number
  readonly maxDelayMs: number
  /** When the denial was asked for, on the cache's time line. */
  readonly at: number
  /** Until when the store denies this request (and any costlier or less patient one). */
  readonly until: number
  readonly decision: Decision
}

/**
 * Remembers the store's denials so a key that the store denied until T is answered in-process until
 * T, without a round trip. Sound by construction:
 *
 * - it only ever answers denials, so it can never admit what the store would deny;
 * - it answers only `limit()` calls (never peeks) with the same limits (same ids), a cost at least the denied
 *   one and a `maxDelayMs` at most the denied one: every algorithm denies those at least as long;
 * - T is measured from when the request was *sent* (`retryAfterMs` counts from when the store
 *   decided, which is later), on the limiter's clock when it has one, else on this process's
 *   monotonic clock, so clock differences between app and store cannot stretch a denial;
 * - `reset(key)` through the limiter forgets the key. What it cannot see: a reset by another
 *   process, or a limit raised elsewhere; those take effect here at T at the latest.
 *
 * Memory is bounded: at most `maxKeys` entries; past that the oldest entry is dropped.
 */
export class DenyCache {
  readonly #entries = new Map<string, Denial>()

  constructor(private readonly maxKeys: number) {}

  /** The time line a request is measured on. */
  static clock(request: StoreRequest): number {
    return request.now ?? monotonicNow()
  }

  /** A denial for `request` at time `t`, or `undefined` to ask the store. */
  answer(request: StoreRequest, t: number): Decision | undefined {
    if (!request.consume || request.cost === 0) return undefined
    const entry = this.#entries.get(request.key)
    if (entry === undefined) return undefined
    if (t >= entry.until || t < entry.at) {
      // Expired, or a clock that went back: ask the store again.
      this.#entries.delete(request.key)
      return undefined
    }
    if (
      !sameLimits(entry.limits, request.limits) ||
      request.cost < entry.cost ||
      (request.maxDelayMs ?? Number.POSITIVE_INFINITY) > entry.maxDelayMs
    ) {
      return undefined
    }
    return aged(entry.decision, t - entry.at)
  }

  /** Records the store's answer to `request`, asked at time `t`. */
  remember(request: StoreRequest, t: number, decision: Decision): void {
    if (decision.allowed || !request.consume || request.cost === 0 || decision.retryAfterMs <= 0) return
    const entries = this.#entries
    entries.delete(request.key)
    if (entries.size >= this.maxKeys) {
      const oldest = entries.keys().next().value as string
      entries.delete(oldest)
    }
    entries.set(request.key, {
      limits: request.limits,
      cost: request.cost,
      maxDelayMs: request.maxDelayMs ?? Number.POSITIVE_INFINITY,
      at: t,
      until: t + decision.retryAfterMs,
      decision,
    })
  }

  forget(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}

/**
 * The same limits, in the same order: the same array, or limits with the same ids (kind and
 * parameters), as a rules limiter builds a fresh list per request.
 */
function sameLimits(a: readonly Algorithm[], b: readonly Algorithm[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as Algorithm).id !== (b[i] as Algorithm).id) return false
  }
  return true
}

/** The cached denial as it reads `elapsed` ms later: its waits shorter by that much. */
function aged(d: Decision, elapsed: number): Decision {
  const policies = d.policies.map((p) => agedPolicy(p, elapsed))
  return {
    allowed: false,
    limit: d.limit,
    remaining: d.remaining,
    resetAfterMs: Math.max(0, Math.ceil(d.resetAfterMs - elapsed)),
    retryAfterMs: Math.max(1, Math.ceil(d.retryAfterMs - elapsed)),
    delayMs: 0,
    policy: d.policy,
    policies,
  }
}

function agedPolicy(p: PolicyDecision, elapsed: number): PolicyDecision {
  return {
    allowed: p.allowed,
    limit: p.limit,
    remaining: p.remaining,
    resetAfterMs: Math.max(0, Math.ceil(p.resetAfterMs - elapsed)),
    retryAfterMs: p.allowed ? 0 : Math.max(1, Math.ceil(p.retryAfterMs - elapsed)),
    delayMs: p.delayMs,
    policy: p.policy,
  }
}
