import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { describe } from 'vitest'
import { type Expected, expectDecision } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

/** One call of a script: at `t` ms after the (window-aligned) start, `op` with `cost` must decide `want`. */
interface Step {
  readonly t: number
  readonly op?: 'limit' | 'peek'
  readonly cost?: number
  readonly want: Expected
}

const ok = (limit: number, remaining: number, resetAfterMs: number, delayMs = 0): Expected => ({
  allowed: true,
  limit,
  remaining,
  resetAfterMs,
  delayMs,
})
const no = (limit: number, remaining: number, resetAfterMs: number, retryAfterMs: number): Expected => ({
  allowed: false,
  limit,
  remaining,
  resetAfterMs,
  retryAfterMs,
})
const times = (n: number, step: (i: number) => Step): Step[] => Array.from({ length: n }, (_, i) => step(i))

/** Plays a script on a fresh key and checks every decision exactly. */
async function play(h: Harness, algorithm: Algorithm, steps: readonly Step[]): Promise<void> {
  const clock = controlledClock(EPOCH)
  const limiter = h.limiter(algorithm, { clock })
  for (const [i, step] of steps.entries()) {
    clock.set(EPOCH + step.t)
    const op = step.op ?? 'limit'
    const cost = step.cost ?? 1
    const decision = await limiter[op]('key', { cost })
    expectDecision(decision, step.want, `step ${i}: ${op}(cost ${cost}) at t = ${step.t}`)
  }
}

/** Scripts whose every number was worked out by hand: the worked examples of the algorithm docs first. */
const SCRIPTS: readonly (readonly [AlgorithmKind, string, () => Algorithm, readonly Step[]])[] = [
  [
    'fixedWindow',
    'worked example: fixedWindow({ limit: 3, window: 1000 }) at t = 0, 100, 200, 300, then 1000',
    () => fixedWindow({ limit: 3, window: 1000 }),
    [
      { t: 0, want: ok(3, 2, 1000) },
      { t: 100, want: ok(3, 1, 900) },
      { t: 200, want: ok(3, 0, 800) },
      { t: 300, want: no(3, 0, 700, 700) },
      { t: 1000, want: ok(3, 2, 1000) },
    ],
  ],
  [
    'fixedWindow',
    "worked example: fixedWindow({ limit: 2, window: '1m', align: 'first-request' }): first request at 12:00:14 → window 12:00:14–12:01:14",
    () => fixedWindow({ limit: 2, window: '1m', align: 'first-request' }),
    [
      // t counts from 12:00:00. A peek on a fresh key starts no window: a full one from now.
      { t: 14_000, op: 'peek', cost: 0, want: ok(2, 2, 60_000) },
      { t: 14_000, want: ok(2, 1, 60_000) },
      // 12:01:00 is no boundary: the window runs to 12:01:14.
      { t: 60_000, want: ok(2, 0, 14_000) },
      { t: 73_999, want: no(2, 0, 1, 1) },
      // Ended at 12:01:14; a peek after it reports a fresh window and starts none…
      { t: 74_000, op: 'peek', cost: 0, want: ok(2, 2, 60_000) },
      // …so the next counted request starts one: 12:01:20–12:02:20.
      { t: 80_000, want: ok(2, 1, 60_000) },
      { t: 139_999, want: ok(2, 0, 1) },
      { t: 139_999, want: no(2, 0, 1, 1) },
      { t: 140_000, cost: 2, want: ok(2, 0, 60_000) },
    ],
  ],
  [
    'fixedWindow',
    "fixedWindow({ limit: 3, window: 1000, align: 'first-request' }): a denial neither starts nor moves a window",
    () => fixedWindow({ limit: 3, window: 1000, align: 'first-request' }),
    [
      { t: 250, cost: 3, want: ok(3, 0, 1000) },
      { t: 900, want: no(3, 0, 350, 350) },
      { t: 1249, op: 'peek', cost: 0, want: ok(3, 0, 1) },
      { t: 1250, want: ok(3, 2, 1000) },
      { t: 2249, cost: 2, want: ok(3, 0, 1) },
      { t: 2250, op: 'peek', cost: 0, want: ok(3, 3, 1000) },
    ],
  ],
  [
    'gcra',
    "worked example: gcra({ rate: 30, period: '1m', burst: 16 }) first call, then the burst runs out",
    () => gcra({ rate: 30, period: '1m', burst: 16 }),
    [
      { t: 0, want: ok(16, 15, 2000) },
      ...times(15, (i) => ({ t: 0, want: ok(16, 14 - i, 4000 + 2000 * i) })),
      { t: 0, want: no(16, 0, 32_000, 2000) },
      { t: 1999, want: no(16, 0, 30_001, 1) },
      { t: 2000, want: ok(16, 0, 32_000) },
    ],
  ],
  [
    'leakyBucket',
    'worked example: leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }) three calls at t = 0, a fourth',
    () => leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }),
    [
      // limit = capacity + 1: one leaving now plus two waiting.
      { t: 0, want: ok(3, 2, 1000, 0) },
      { t: 0, want: ok(3, 1, 2000, 1000) },
      { t: 0, want: ok(3, 0, 3000, 2000) },
      { t: 0, want: no(3, 0, 3000, 1000) },
      { t: 1000, want: ok(3, 0, 3000, 2000) },
    ],
  ],
  [
    'slidingLog',
    "slidingLog({ limit: 2, window: '1s' }): retry when the oldest entry leaves the window",
    () => slidingLog({ limit: 2, window: '1s' }),
    [
      { t: 0, want: ok(2, 1, 1000) },
      { t: 500, want: ok(2, 0, 1000) },
      { t: 900, want: no(2, 0, 600, 100) },
      { t: 1000, want: ok(2, 0, 1000) },
      { t: 1499, want: no(2, 0, 501, 1) },
      { t: 1500, want: ok(2, 0, 1000) },
      { t: 1500, op: 'peek', cost: 0, want: ok(2, 0, 1000) },
    ],
  ],
  [
    'concurrency',
    "concurrency({ limit: 2, leaseMs: '1s' }): full until the oldest lease expires (never released here)",
    () => concurrency({ limit: 2, leaseMs: '1s' }),
    [
      { t: 0, want: ok(2, 1, 1000) },
      { t: 400, want: ok(2, 0, 1000) },
      { t: 900, want: no(2, 0, 500, 100) },
      { t: 1000, want: ok(2, 0, 1000) },
      { t: 1399, want: no(2, 0, 601, 1) },
      { t: 1400, want: ok(2, 0, 1000) },
      { t: 1400, op: 'peek', cost: 0, want: ok(2, 0, 1000) },
    ],
  ],
  [
    'slidingWindow',
    "slidingWindow({ limit: 10, window: '1s' }): the previous window weighs half at mid-window",
    () => slidingWindow({ limit: 10, window: '1s' }),
    [
      ...times(10, (i) => ({ t: 0, want: ok(10, 9 - i, 2000) })),
      { t: 999, want: no(10, 0, 1001, 101) },
      { t: 1500, op: 'peek', cost: 0, want: ok(10, 5, 500) },
      ...times(5, (i) => ({ t: 1500, want: ok(10, 4 - i, 1500) })),
      { t: 1500, want: no(10, 0, 1500, 100) },
      { t: 1599, want: no(10, 0, 1401, 1) },
      { t: 1600, want: ok(10, 0, 1400) },
    ],
  ],
  [
    'tokenBucket',
    "tokenBucket({ capacity: 2, refillRate: 1, refillInterval: '1s' }): continuous refill, capped",
    () => tokenBucket({ capacity: 2, refillRate: 1, refillInterval: '1s' }),
    [
      { t: 0, want: ok(2, 1, 1000) },
      { t: 0, want: ok(2, 0, 2000) },
      { t: 0, want: no(2, 0, 2000, 1000) },
      { t: 500, want: no(2, 0, 1500, 500) },
      { t: 1000, want: ok(2, 0, 2000) },
      { t: 5000, op: 'peek', cost: 0, want: ok(2, 2, 0) },
      { t: 5000, cost: 2, want: ok(2, 0, 2000) },
    ],
  ],
  [
    'tokenBucket',
    'tokenBucket({ capacity: 1, refillRate: 0.5 }): a fractional rate, one token every 2 s',
    () => tokenBucket({ capacity: 1, refillRate: 0.5 }),
    [
      { t: 0, want: ok(1, 0, 2000) },
      { t: 1000, want: no(1, 0, 1000, 1000) },
      { t: 1999, want: no(1, 0, 1, 1) },
      { t: 2000, want: ok(1, 0, 2000) },
    ],
  ],
]

/**
 * Area 1: the worked examples of algorithms.md and more hand-checked scripts, exactly, on a fresh key
 * at a realistic, window-aligned clock. Needs controlled time: registers nothing in 'store' time.
 */
export function describeWorkedExamples(
  name: string,
  factory: StoreFactory,
  options?: ConformanceOptions,
): void {
  const resolved = resolveOptions(options)
  if (resolved.time !== 'controlled') return
  const scripts = SCRIPTS.filter(([kind]) => resolved.algorithms.includes(kind))
  describe(`${name} › worked examples`, () => {
    const h = harness('examples', factory, resolved)
    for (const [, title, make, steps] of scripts) {
      h.test(title, () => play(h, make(), steps))
    }
  })
}
