// One counter's local view: the share it may spend before its next sync, and the local decision.
import type { Algorithm, LimitDecision } from '@sluice/core'

/**
 * What one instance knows of one counter (a limiter key + one limit) between two syncs. Units are
 * `pending` until merged into the shared store; `used` counts those admitted against `allowance`.
 */
export interface Counter {
  readonly key: string
  readonly limit: Algorithm
  /** Units this instance may admit between two syncs: `ceil(remaining / instances)`. */
  allowance: number
  /** Units admitted against `allowance` since the last sync answered. */
  used: number
  /** Units admitted and not merged yet (a merge refused for want of room keeps the rest here). */
  pending: number
  /** What the shared store had left at the last sync. */
  remaining: number
  /** When the last sync's merge ran (this instance's clock). */
  syncedAt: number
  /** When the shared counter is back to full if nobody takes more (for a fixed window: the window's end). */
  resetAt: number
  /** When the next sync is due. */
  nextSyncAt: number
  /** Touched since the last sync: only touched counters are synced, untouched ones forgotten. */
  dirty: boolean
  /** The sync in flight, which every caller needing fresh numbers awaits. */
  syncing: Promise<void> | undefined
}

/** The share of `remaining` one of `instances` instances may spend before its next sync. */
export function shareOf(remaining: number, instances: number): number {
  return remaining > 0 ? Math.ceil(remaining / instances) : 0
}

/** A counter learnt from the shared store's answer `d` at time `now`, nothing spent yet. */
export function counterFrom(
  key: string,
  limit: Algorithm,
  d: LimitDecision,
  now: number,
  instances: number,
  syncIntervalMs: number,
): Counter {
  const remaining = Math.max(0, d.remaining)
  return {
    key,
    limit,
    allowance: shareOf(remaining, instances),
    used: 0,
    pending: 0,
    remaining,
    syncedAt: now,
    resetAt: now + d.resetAfterMs,
    nextSyncAt: now + syncIntervalMs,
    dirty: false,
    syncing: undefined,
  }
}

/**
 * The counter of a fixed window's next window, started as the window starts everywhere: empty, so
 * this instance's share is `ceil(limit / instances)` (no more than a sync could give: the bound
 * holds) without a round trip; its first sync is due at once and learns what others merged.
 * `undefined` for windows aligned to each key's first request, which only the shared store knows.
 */
export function nextWindow(stale: Counter, now: number, instances: number): Counter | undefined {
  const { key, limit } = stale
  if ((limit.params as { align?: string }).align === 'first-request') return undefined
  const w = limit.windowMs
  return {
    key,
    limit,
    allowance: shareOf(limit.limit, instances),
    used: 0,
    pending: 0,
    remaining: limit.limit,
    syncedAt: now,
    resetAt: Math.floor(now / w) * w + w,
    nextSyncAt: now,
    dirty: false,
    syncing: undefined,
  }
}

/**
 * A fixed window's counter is stale once its window ended: the next window starts from what the
 * shared store says, never from the old share (another instance may have spent the new window).
 */
export function isStale(c: Counter, now: number): boolean {
  return c.limit.kind === 'fixedWindow' && now >= c.resetAt
}

/** Whether `cost` fits what is left of the counter's share. */
export function fits(c: Counter, cost: number): boolean {
  return c.used + cost <= c.allowance
}

/**
 * The local decision for `cost` on `c` (nothing written). `remaining` is what this instance will
 * still admit before its next sync, never more than it will honour; a denial asks to retry when the
 * share is renewed (the next sync), or, for a spent fixed window, when the window ends.
 */
export function localDecision(c: Counter, cost: number, allowed: boolean, now: number): LimitDecision {
  const left = Math.max(0, c.allowance - c.used - (allowed ? cost : 0))
  const resetAfterMs = Math.max(0, c.resetAt - now)
  let retryAfterMs = 0
  if (!allowed) {
    const untilSync = c.nextSyncAt - now
    const untilWindow = c.limit.kind === 'fixedWindow' && c.remaining < cost ? resetAfterMs : 0
    retryAfterMs = Math.max(1, untilSync, untilWindow)
  }
  return { allowed, limit: c.limit.limit, remaining: left, resetAfterMs, retryAfterMs, delayMs: 0 }
}
