// Area: callers whose clocks disagree share one key and must never admit more than the fastest clock allows.
import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect } from 'vitest'
import { HOUR, SECOND } from './algorithms.ts'
import { EPOCH, type Harness, harness, randomPrefix, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/** Each caller's clock minus the true time: one ahead (the fastest), one true, and behind by a second, a minute, an hour. */
const OFFSETS = [3 * SECOND, 0, -SECOND, -60 * SECOND, -HOUR] as const
const FASTEST = 0
const REQUESTS = 240
/** The most the true time moves between two requests: about REQUESTS / 2 seconds in all. */
const MAX_STEP = SECOND

/**
 * One limit per kind, 10 at once and earned back over 30–60 s (so a state outlives a whole run on
 * any store, and a slower caller that refilled or forgot what the faster one took would show in a
 * few calls), and the most it admits on a fresh key while one clock reads from `first` to `last`. Every step judges a
 * request at t = max(now, stored time): t never decreases and never passes the fastest clock, so the
 * key sees one clock that runs from `first` to `last`, whoever called.
 */
const CASES: Readonly<
  Record<AlgorithmKind, { algorithm: Algorithm; bound(first: number, last: number): number }>
> = {
  // At most `limit` in each epoch-aligned window that t visits.
  fixedWindow: {
    algorithm: fixedWindow({ limit: 10, window: 60 * SECOND }),
    bound: (first, last) => 10 * windowsBetween(first, last, 60 * SECOND),
  },
  // Any (x − window, x] holds at most `limit`; floor(span / window) + 1 of them cover [first, last].
  slidingLog: {
    algorithm: slidingLog({ limit: 10, window: 60 * SECOND }),
    bound: (first, last) => 10 * (Math.floor((last - first) / (60 * SECOND)) + 1),
  },
  // Leases are the sliding log's entries: at most `limit` taken in any lease duration (none released).
  concurrency: {
    algorithm: concurrency({ limit: 10, leaseMs: 60 * SECOND }),
    bound: (first, last) => 10 * (Math.floor((last - first) / (60 * SECOND)) + 1),
  },
  // The current window's count never passes `limit` (the previous one only lowers what fits).
  slidingWindow: {
    algorithm: slidingWindow({ limit: 10, window: 60 * SECOND }),
    bound: (first, last) => 10 * windowsBetween(first, last, 60 * SECOND),
  },
  // A full bucket plus one token per 30 s.
  tokenBucket: {
    algorithm: tokenBucket({ capacity: 10, refillRate: 1, refillInterval: 30 * SECOND }),
    bound: (first, last) => 10 + Math.floor((last - first) / (30 * SECOND)),
  },
  // The burst plus one per emission interval (30 s).
  gcra: {
    algorithm: gcra({ rate: 1, period: 30 * SECOND, burst: 10 }),
    bound: (first, last) => 10 + Math.floor((last - first) / (30 * SECOND)),
  },
  // capacity + 1 at once, then one per leak interval (30 s).
  leakyBucket: {
    algorithm: leakyBucket({ capacity: 9, leakRate: 1, leakInterval: 30 * SECOND }),
    bound: (first, last) => 10 + Math.floor((last - first) / (30 * SECOND)),
  },
}

function windowsBetween(first: number, last: number, windowMs: number): number {
  return Math.floor(last / windowMs) - Math.floor(first / windowMs) + 1
}

const runArbitrary = fc.record({
  /** Where in its windows the run starts. */
  start: fc.integer({ min: 0, max: HOUR }),
  requests: fc.array(
    fc.record({ caller: fc.nat(OFFSETS.length - 1), stepMs: fc.integer({ min: 0, max: MAX_STEP }) }),
    { minLength: REQUESTS, maxLength: REQUESTS },
  ),
})

type Run = typeof runArbitrary extends fc.Arbitrary<infer T> ? T : never

/**
 * One limiter per clock on the same store, prefix and key, called one at a time in the run's order
 * (the fastest makes the first call); the admissions must stay within the kind's bound.
 *
 * The true time never advances less than the wall clock did since the previous call: a store may
 * drop a state once its TTL has passed on its own clock, and a state is then one the fastest clock
 * has already seen expire. For fixedWindow the fastest clock also opens every window it enters:
 * after a boundary the state may have expired, and a key with no state has no time to hold a
 * slower caller to (the documented residual of a fresh key, measured in core's tests, not here).
 */
async function runSkewed(h: Harness, kind: AlgorithmKind, run: Run): Promise<void> {
  const { algorithm, bound } = CASES[kind]
  const prefix = randomPrefix('clock-skew')
  let trueNow = EPOCH + run.start
  const limiters = OFFSETS.map((offset) =>
    createRateLimiter({
      store: h.store(),
      algorithm,
      prefix,
      clock: () => trueNow + offset,
      // Every call must reach the store, and the limiters share the key on purpose.
      denyCache: false,
      shareCounters: true,
    }),
  )
  const fastest = (): number => trueNow + (OFFSETS[FASTEST] as number)
  const first = fastest()
  let admitted = 0
  const perCaller = OFFSETS.map(() => 0)
  let realBefore = Date.now()
  for (const [i, request] of run.requests.entries()) {
    let caller = request.caller
    if (i === 0) {
      caller = FASTEST
    } else {
      const realNow = Date.now()
      const windowBefore = Math.floor(fastest() / algorithm.windowMs)
      trueNow += Math.max(request.stepMs, Math.ceil(realNow - realBefore))
      realBefore = realNow
      if (kind === 'fixedWindow' && Math.floor(fastest() / algorithm.windowMs) !== windowBefore)
        caller = FASTEST
    }
    const decision = await (limiters[caller] as (typeof limiters)[number]).limit('shared')
    if (decision.allowed) {
      admitted++
      perCaller[caller] = (perCaller[caller] as number) + 1
    }
  }
  const most = bound(first, fastest())
  expect(
    admitted,
    `${kind}: ${admitted} of ${REQUESTS} admitted over ${fastest() - first} ms, at most ${most} allowed; per clock offset ${OFFSETS.map((o, i) => `${o} ms: ${perCaller[i]}`).join(', ')}`,
  ).toBeLessThanOrEqual(most)
}

/**
 * Area: clock skew. Five limiters on one store, prefix and key, whose clocks run 3 s ahead, true,
 * and 1 s, 1 min and 1 h behind, called in a random (seeded) order while time advances in small
 * steps: admissions never exceed what the fastest clock alone allows over the run (a store that
 * moved a state's time back on a slower caller's word would refill or forget what the faster one
 * took). Registers nothing in 'store' time.
 *
 * @example
 * import { describeClockSkew } from '@sluice/store-conformance'
 *
 * describeClockSkew('my-store', () => myStore({ client }), { timeoutMs: 20_000 })
 */
export function describeClockSkew(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (resolved.time !== 'controlled') return
  describe(`${name} › clock skew`, () => {
    const h = harness('clock-skew', factory, resolved)
    // Each run makes 240 calls: a few runs are enough, every one seeded and replayable.
    const numRuns = Math.min(resolved.numRuns, 4)
    for (const kind of resolved.algorithms) {
      // No rerun: its clocks advance at least as fast as real time, so no real-time TTL lapses early.
      h.property(
        `${kind}: callers whose clocks differ by seconds to hours admit no more than the fastest clock allows`,
        async () => {
          await fc.assert(
            fc.asyncProperty(runArbitrary, (run) => runSkewed(h, kind, run)),
            // A failing run is reported at once, seed and path included: shrinking 240-call runs
            // against a network store could outlast the test's timeout and lose the seed.
            { numRuns, endOnFailure: true },
          )
        },
      )
    }
  })
}
