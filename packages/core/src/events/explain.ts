// Says in one line why a decision came out as it did, per algorithm, from the decision's own numbers:
// the same text for every store (memory, Redis, Upstash), since it needs no access to stored state.
import type { Algorithm } from '../algorithm.ts'
import type { ConcurrencyParams } from '../algorithms/concurrency.ts'
import type { FixedWindowParams } from '../algorithms/fixedWindow.ts'
import type { GcraParams } from '../algorithms/gcra.ts'
import type { LeakyBucketParams } from '../algorithms/leakyBucket.ts'
import type { SlidingLogParams } from '../algorithms/slidingLog.ts'
import type { SlidingWindowParams } from '../algorithms/slidingWindow.ts'
import type { TokenBucketParams } from '../algorithms/tokenBucket.ts'
import { decidingLimit } from './decisionEvent.ts'
import type { DecisionEvent } from './types.ts'

/** The numbers of one decision an explanation reads (a `DecisionEvent` has them all). */
export type Explained = Pick<
  DecisionEvent,
  | 'allowed'
  | 'cost'
  | 'remaining'
  | 'resetAfterMs'
  | 'retryAfterMs'
  | 'delayMs'
  | 'timeMs'
  | 'limits'
  | 'decision'
  | 'cached'
  | 'degraded'
  | 'key'
  | 'policy'
>

/** What an explainer remembers of the last decision for a key and limit (`createExplainer`). */
export interface Earlier {
  /** When it was judged, ms since the epoch. */
  readonly timeMs: number
  /** A token bucket's tokens after it. */
  readonly tokens: number
}

/**
 * One line saying why the limiter decided as it did, e.g. `token bucket user:42: 3.4 tokens (refill
 * 10 per 1 s), cost 1 → allowed, 2.4 left, full in 7.6 s`. It is what `NODE_DEBUG=sluice` prints,
 * and what `pnpm demo --explain` shows request by request. Built from the decision's numbers and the
 * limit's settings, so it reads the same on every store; token counts are exact to within one
 * millisecond of refill. The key shows only when the limiter's `exposeKey` allows it.
 *
 * @example
 * limiter.events.on('decision', (event) => console.log(explainDecision(event)))
 * // fixed window user:42: window 12:00:00.000–12:01:00.000, count 10/10, cost 1 → denied, resets in 14 s
 */
export function explainDecision(event: Explained, earlier?: Earlier): string {
  const who = event.key === undefined ? '' : ` ${event.key}`
  const listed = event.decision.listed
  if (listed !== undefined) {
    return `${listed} list${who}: on the limiter's ${listed} list → ${listed === 'allow' ? 'allowed' : 'denied'} without asking the store, nothing counted`
  }
  const limit = decidingLimit(event.limits, event.decision)
  if (limit === undefined) {
    const unlimited = event.decision.unlimited
    return unlimited !== undefined && unlimited.length > 0
      ? `no limit${who}: unlimited by ${unlimited.join(', ')} → allowed`
      : `no limit${who}: no rule matched → allowed`
  }
  const head = `${LABELS[limit.kind]}${who}`
  if (event.degraded !== undefined) {
    const mode = event.decision.degraded?.mode
    return `${head}: store ${event.degraded} → answered by onStoreError ${mode === 'fallback' ? 'fallback store' : `'${mode}'`}: ${event.allowed ? 'allowed' : `denied, retry in ${duration(event.retryAfterMs)}`}`
  }
  if (event.cached) {
    return `${head}: the deny cache holds ${event.policy} as exhausted for ${duration(event.retryAfterMs)} more, cost ${event.cost} → denied without asking the store`
  }
  const suffix =
    event.limits.length > 1 ? ` (decided by ${event.policy}, 1 of ${event.limits.length} limits)` : ''
  return `${head}: ${EXPLAIN[limit.kind](limit as Algorithm<never>, event, earlier)}${suffix}`
}

const LABELS: Record<Algorithm['kind'], string> = {
  fixedWindow: 'fixed window',
  slidingLog: 'sliding log',
  slidingWindow: 'sliding window',
  tokenBucket: 'token bucket',
  gcra: 'GCRA',
  leakyBucket: 'leaky bucket',
  concurrency: 'concurrency',
}

const EXPLAIN: Record<
  Algorithm['kind'],
  (limit: Algorithm<never>, e: Explained, earlier: Earlier | undefined) => string
> = {
  concurrency(limit, e) {
    const { limit: quota, leaseMs } = limit.params as ConcurrencyParams
    const held = quota - e.remaining
    const leases = `leases expire ${duration(leaseMs)} after they are taken unless released`
    if (!e.allowed) {
      return `${held}/${quota} leases held (${leases}), cost ${e.cost} → denied, a slot frees in ${duration(e.retryAfterMs)} at the latest (sooner if a holder releases)`
    }
    return `${held - e.cost}/${quota} leases held (${leases}), cost ${e.cost} → allowed, ${e.remaining} free`
  },
  fixedWindow(limit, e) {
    const { limit: quota, windowMs } = limit.params as FixedWindowParams
    const end = e.timeMs + e.resetAfterMs
    const window = `window ${clock(end - windowMs)}–${clock(end)}`
    const used = quota - e.remaining
    if (!e.allowed) {
      return `${window}, count ${used}/${quota}, cost ${e.cost} → denied, resets in ${duration(e.retryAfterMs)}`
    }
    return `${window}, count ${used - e.cost}/${quota}, cost ${e.cost} → allowed, ${e.remaining} left, resets in ${duration(e.resetAfterMs)}`
  },
  slidingLog(limit, e) {
    const { limit: quota, windowMs } = limit.params as SlidingLogParams
    const used = quota - e.remaining
    const within = `in the last ${duration(windowMs)}`
    if (!e.allowed) {
      return `${used}/${quota} admitted ${within}, cost ${e.cost} → denied, room in ${duration(e.retryAfterMs)} (when the oldest leaves the window)`
    }
    return `${used - e.cost}/${quota} admitted ${within}, cost ${e.cost} → allowed, ${e.remaining} left`
  },
  slidingWindow(limit, e) {
    const { limit: quota, windowMs } = limit.params as SlidingWindowParams
    const elapsed = ((e.timeMs % windowMs) + windowMs) % windowMs
    const weight = Math.round((1 - elapsed / windowMs) * 100)
    const estimate = `previous window × ${weight}% + current ≈ ${quota - e.remaining - (e.allowed ? e.cost : 0)}/${quota}`
    if (!e.allowed) return `${estimate}, cost ${e.cost} → denied, room in ${duration(e.retryAfterMs)}`
    return `${estimate}, cost ${e.cost} → allowed, ${e.remaining} left`
  },
  tokenBucket(limit, e, earlier) {
    const { capacity, refillRate, refillIntervalMs } = limit.params as TokenBucketParams
    // resetAfterMs is the time to refill to capacity, so it tells the tokens left (±1 ms of refill).
    const left = Math.max(0, capacity - (e.resetAfterMs * refillRate) / refillIntervalMs)
    const had = e.allowed ? left + e.cost : left
    const refill = `refill ${refillRate} per ${duration(refillIntervalMs)}`
    // With the last request's time and tokens (an explainer's memory): how long it refilled since.
    const since =
      earlier === undefined || e.timeMs < earlier.timeMs
        ? ''
        : ` after ${duration(e.timeMs - earlier.timeMs)} of refill (${tokens(earlier.tokens)} at the last request)`
    if (!e.allowed) {
      return `${tokens(had)} tokens${since} (${refill}), cost ${e.cost} → denied, enough in ${duration(e.retryAfterMs)}`
    }
    return `${tokens(had)} tokens${since} (${refill}), cost ${e.cost} → allowed, ${tokens(left)} left, full in ${duration(e.resetAfterMs)}`
  },
  gcra(limit, e) {
    const { rate, periodMs, burst } = limit.params as GcraParams
    const every = `one per ${duration(periodMs / rate)}, burst ${burst}`
    if (!e.allowed) {
      return `${every}; the schedule is already ${duration(e.resetAfterMs)} ahead, cost ${e.cost} would pass the burst tolerance → denied, retry in ${duration(e.retryAfterMs)}`
    }
    return `${every}; cost ${e.cost} → allowed, ${e.remaining} left, schedule ${duration(e.resetAfterMs)} ahead`
  },
  leakyBucket(limit, e) {
    const { capacity, leakRate, leakIntervalMs } = limit.params as LeakyBucketParams
    const leaks = `leaks ${leakRate} per ${duration(leakIntervalMs)}, room for ${capacity} waiting`
    if (!e.allowed) {
      return `${leaks}; the queue is full, cost ${e.cost} → denied, room in ${duration(e.retryAfterMs)}`
    }
    const ahead = Math.round((e.delayMs * leakRate) / leakIntervalMs)
    return `${leaks}; ${ahead} ahead, cost ${e.cost} → allowed, starts in ${duration(e.delayMs)}, ${e.remaining} places left`
  },
}

/** `850 ms`, `1.2 s`, `14 s`, `2 min`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 10) / 10} ms`
  if (ms < 120_000) return `${trim((ms / 1000).toFixed(1))} s`
  return `${trim((ms / 60_000).toFixed(1))} min`
}

function tokens(n: number): string {
  return trim(n.toFixed(1))
}

function trim(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text
}

/** `12:00:00.000` (UTC) of ms since the epoch. */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23)
}
