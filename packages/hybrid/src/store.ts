// hybridStore: local-first decisions against a share of the budget, merged into a shared store.
import {
  type Algorithm,
  type AlgorithmKind,
  type LimitDecision,
  StoreError,
  StoreTimeoutError,
  UnsupportedAlgorithmError,
} from '@sluice/core'
import type { Store, StoreRequest } from '@sluice/core/store'
import { type Counter, counterFrom, fits, isStale, localDecision, nextWindow, shareOf } from './counter.ts'
import { merge } from './merge.ts'
import { type HybridStoreOptions, resolveOptions } from './options.ts'
import { backgroundInterval, stopInterval } from './timer.ts'

/**
 * The kinds a share of the budget serves with a bounded error. The others keep state a count
 * cannot merge: a sliding log's timestamps, GCRA's and the leaky bucket's one schedule time (a
 * local share would schedule requests the shared schedule never saw).
 */
const SUPPORTED: readonly AlgorithmKind[] = ['fixedWindow', 'slidingWindow', 'tokenBucket']
const UNSUPPORTED = {
  slidingLog:
    'a local share cannot serve it exactly: its state is one timestamp per request, not a count that merges',
  gcra: 'a local share cannot serve it exactly: its state is one schedule time a share would advance unseen',
  leakyBucket:
    'a local share cannot serve it exactly: its state is one schedule time a share would advance unseen',
} as const

/** What a hybrid store has done since it was made, for monitoring and the benchmarks. */
export interface HybridStoreStats {
  /** Calls to `apply`. */
  readonly decisions: number
  /** Calls answered by the shared store because this instance had no share for a counter yet. */
  readonly forwarded: number
  /** Syncs that merged into the shared store and renewed a share. */
  readonly syncs: number
  /** Every call made to the shared store (forwards, merges, peeks). */
  readonly storeCalls: number
  /** Counters held in memory. */
  readonly counters: number
}

/** A sluice `Store` deciding locally; see {@link hybridStore}. */
export interface HybridStore extends Store {
  /** Merges every pending count into the shared store now; rejects with `StoreError` if it fails. */
  flush(): Promise<void>
  close(): Promise<void>
  stats(): HybridStoreStats
}

/**
 * A local-first store: each instance decides in process against its share of what the shared
 * store has left (`ceil(remaining / instances)`), and merges what it admitted into the shared store
 * every `syncIntervalMs` (or every `syncEvery` units), learning the global usage and renewing its
 * share on each sync. A counter it knows nothing of yet is asked of the shared store (one round
 * trip); a fixed window's next window starts from a share of a full one and syncs at once. Over-admission is bounded (see the README): at most
 * `instances × ceil(limit / instances)` units above the limit, and in practice what the other
 * instances admit within one sync interval.
 *
 * A failed merge makes every later call reject with a `StoreError` (the limiter's failure policy
 * decides them: fail open, closed or fall back) until a retry, at most once per `syncIntervalMs`,
 * succeeds; the unmerged units stay pending meanwhile.
 *
 * @example
 * const store = hybridStore({ store: ioredisStore({ client }), instances: 8, syncIntervalMs: 250 })
 * const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 1000, window: '1m' }) })
 */
export function hybridStore(options: HybridStoreOptions): HybridStore {
  const { store: shared, instances, syncIntervalMs, syncEvery, clock, timer } = resolveOptions(options)
  const counters = new Map<string, Counter>()
  const stats = { decisions: 0, forwarded: 0, syncs: 0, storeCalls: 0 }
  const count = (): void => {
    stats.storeCalls += 1
  }
  let failure: StoreError | undefined
  let closing: Promise<void> | undefined
  let interval: unknown
  let nextSweepAt = Number.NEGATIVE_INFINITY

  const idOf = (key: string, limit: Algorithm): string => `${limit.id.length}:${limit.id}${key}`

  function wrap(error: unknown): StoreError {
    const message = `hybridStore: merging counts into the ${shared.name} store failed (${(error as Error)?.message ?? String(error)}); calls fail until a retry succeeds, at most once per syncIntervalMs`
    return error instanceof StoreTimeoutError
      ? new StoreTimeoutError(message, { cause: error })
      : new StoreError(message, { cause: error })
  }

  function sync(c: Counter, now: number): Promise<void> {
    if (c.syncing) return c.syncing
    const run = async (): Promise<void> => {
      const id = idOf(c.key, c.limit)
      if (isStale(c, now)) {
        // The window ended: its pending units can no longer change any decision. The next window
        // starts from a fresh share (or, for windows only the shared store knows, a forward).
        if (counters.get(id) === c) {
          const next = nextWindow(c, now, instances)
          if (next === undefined) counters.delete(id)
          else counters.set(id, next)
        }
        return
      }
      const units = c.pending
      c.pending = 0
      let merged: Awaited<ReturnType<typeof merge>>
      try {
        merged = await merge(shared, c.key, c.limit, units, now, count)
      } catch (error) {
        c.pending += units
        c.nextSyncAt = now + syncIntervalMs
        failure = wrap(error)
        return
      }
      failure = undefined
      stats.syncs += 1
      // Units admitted while the merge was in flight count against the new share.
      const during = c.pending
      c.pending = during + merged.left
      c.used = during
      c.remaining = merged.left > 0 ? 0 : Math.max(0, merged.decision.remaining)
      c.allowance = shareOf(c.remaining, instances)
      c.syncedAt = now
      c.resetAt = now + merged.decision.resetAfterMs
      c.nextSyncAt = now + syncIntervalMs
      c.dirty = false
    }
    const p = run().finally(() => {
      c.syncing = undefined
    })
    c.syncing = p
    return p
  }

  /** Merges due counters and forgets idle ones (nothing pending, untouched for a sync interval). */
  function sweep(now: number): Promise<unknown> {
    nextSweepAt = now + syncIntervalMs
    const jobs: Promise<void>[] = []
    for (const [id, c] of counters) {
      if (c.syncing) continue
      if (c.dirty || c.pending > 0) {
        if (now >= c.nextSyncAt) jobs.push(sync(c, now))
      } else if (now >= c.nextSyncAt) counters.delete(id)
    }
    return Promise.all(jobs)
  }

  function startTimer(): void {
    if (!timer || interval !== undefined) return
    interval = backgroundInterval(() => void sweep(clock()), syncIntervalMs)
  }

  async function forward(request: StoreRequest, now: number): Promise<readonly LimitDecision[]> {
    stats.forwarded += 1
    count()
    const decisions = await shared.apply({ ...request, now })
    if (request.consume) {
      request.limits.forEach((limit, i) => {
        const id = idOf(request.key, limit)
        const known = counters.get(id)
        if (known === undefined || isStale(known, now)) {
          const c = counterFrom(
            request.key,
            limit,
            decisions[i] as LimitDecision,
            now,
            instances,
            syncIntervalMs,
          )
          counters.set(id, c)
        }
      })
    }
    return decisions
  }

  async function decide(
    request: StoreRequest,
    now: number,
    mayResync: boolean,
  ): Promise<readonly LimitDecision[]> {
    const { key, limits, cost, consume } = request
    const found: Counter[] = []
    for (const limit of limits) {
      const id = idOf(key, limit)
      let c = counters.get(id)
      if (c === undefined) return forward(request, now)
      if (isStale(c, now)) {
        c = nextWindow(c, now, instances)
        if (c === undefined) return forward(request, now)
        counters.set(id, c)
      }
      found.push(c)
    }
    const allowed = found.every((c) => fits(c, cost))
    // A spent share while the shared store had more than this share: renew it before denying.
    const renew = allowed ? [] : found.filter((c) => !fits(c, cost) && c.remaining > c.allowance)
    if (mayResync && renew.length > 0) {
      await Promise.all(renew.map((c) => sync(c, now)))
      if (failure) throw failure
      return decide(request, now, false)
    }
    // As core's stepAll: in a refused composite, a limit that had room reports a peek of itself.
    const decisions = found.map((c) =>
      allowed || !fits(c, cost) ? localDecision(c, cost, allowed, now) : localDecision(c, 0, true, now),
    )
    for (const c of found) {
      if (allowed && consume) {
        c.used += cost
        c.pending += cost
      }
      c.dirty = true
      if (!c.syncing && (now >= c.nextSyncAt || c.pending >= syncEvery)) void sync(c, now)
    }
    return decisions
  }

  function closedError(): StoreError {
    return new StoreError('hybridStore: the store is closed; make a new one (close() flushed its counts)')
  }

  async function flush(): Promise<void> {
    const now = clock()
    await Promise.all([...counters.values()].map((c) => c.syncing))
    await Promise.all([...counters.values()].filter((c) => c.pending > 0 || c.dirty).map((c) => sync(c, now)))
    if (failure) throw failure
  }

  return {
    name: `hybrid(${shared.name})`,
    capabilities: {
      algorithms: SUPPORTED.filter((kind) => shared.capabilities.algorithms.includes(kind)),
      composite: shared.capabilities.composite,
      unsupported: UNSUPPORTED,
    },
    async apply(request) {
      if (closing) throw closedError()
      stats.decisions += 1
      const now = request.now ?? clock()
      startTimer()
      for (const limit of request.limits) {
        if (!SUPPORTED.includes(limit.kind)) {
          throw new UnsupportedAlgorithmError(
            `hybridStore: cannot serve ${limit.kind} (${UNSUPPORTED[limit.kind as keyof typeof UNSUPPORTED]}); use ${SUPPORTED.join(', ')}, or the shared store directly`,
          )
        }
      }
      if (failure) {
        // Retry the merge at most once per sync interval per counter; this call fails meanwhile.
        for (const limit of request.limits) {
          const c = counters.get(idOf(request.key, limit))
          if (c && !c.syncing && now >= c.nextSyncAt) void sync(c, now)
        }
        throw failure
      }
      if (now >= nextSweepAt) void sweep(now)
      return decide(request, now, true)
    },
    async reset(key, limits) {
      if (closing) throw closedError()
      for (const limit of limits) counters.delete(idOf(key, limit))
      count()
      await shared.reset(key, limits)
    },
    flush,
    close() {
      closing ??= (async () => {
        if (interval !== undefined) stopInterval(interval)
        await flush()
      })()
      return closing
    },
    stats: () => ({ ...stats, counters: counters.size }),
  }
}
