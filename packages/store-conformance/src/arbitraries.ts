import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'

/** A limit as plain data, so a failing case prints readably; `build` turns it into an algorithm. */
export type LimitSpec =
  | {
      readonly kind: 'fixedWindow'
      readonly limit: number
      readonly window: number
      readonly align: 'epoch' | 'first-request'
    }
  | {
      readonly kind: 'slidingLog' | 'slidingWindow'
      readonly limit: number
      readonly window: number
    }
  | {
      readonly kind: 'tokenBucket'
      readonly capacity: number
      readonly refillRate: number
      readonly refillInterval: number
    }
  | { readonly kind: 'gcra'; readonly rate: number; readonly period: number; readonly burst: number }
  | {
      readonly kind: 'leakyBucket'
      readonly capacity: number
      readonly leakRate: number
      readonly leakInterval: number
    }
  | { readonly kind: 'concurrency'; readonly limit: number; readonly leaseMs: number }

export function build(spec: LimitSpec): Algorithm {
  // The factories refuse options they do not know, `kind` among them.
  switch (spec.kind) {
    case 'fixedWindow': {
      const { kind: _, ...options } = spec
      return fixedWindow(options)
    }
    case 'slidingLog': {
      const { kind: _, ...options } = spec
      return slidingLog(options)
    }
    case 'slidingWindow': {
      const { kind: _, ...options } = spec
      return slidingWindow(options)
    }
    case 'tokenBucket': {
      const { kind: _, ...options } = spec
      return tokenBucket(options)
    }
    case 'gcra': {
      const { kind: _, ...options } = spec
      return gcra(options)
    }
    case 'leakyBucket': {
      const { kind: _, ...options } = spec
      return leakyBucket(options)
    }
    case 'concurrency': {
      const { kind: _, ...options } = spec
      return concurrency(options)
    }
  }
}

/** Limits 1..20, small ones often so that traces fill them up and see denials. */
const small = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 2 },
  fc.integer({ min: 1, max: 20 }),
)
/** 1..5000 ms, with round and tiny windows often (they make boundaries and ties likely). */
const duration = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 5000 }), weight: 3 },
  { arbitrary: fc.constantFrom(1, 2, 10, 100, 250, 1000, 5000), weight: 2 },
)
/** Whole and fractional rates: fractions (some with large denominators) exercise the exact ratio arithmetic. */
const rate = fc.oneof(
  { arbitrary: small, weight: 3 },
  { arbitrary: fc.constantFrom(0.1, 0.25, 0.3, 0.5, 1.5, 2.5, 1 / 3, 1 / 7, 7.7, 0.123457), weight: 1 },
)

export function specArbitrary(kind: AlgorithmKind): fc.Arbitrary<LimitSpec> {
  switch (kind) {
    case 'fixedWindow':
      // Both aligns: epoch-aligned windows and windows started by a key's first counted request.
      return fc.record({
        kind: fc.constant(kind),
        limit: small,
        window: duration,
        align: fc.constantFrom('epoch' as const, 'first-request' as const),
      })
    case 'slidingLog':
    case 'slidingWindow':
      return fc.record({ kind: fc.constant(kind), limit: small, window: duration })
    case 'tokenBucket':
      return fc.record({
        kind: fc.constant(kind),
        capacity: small,
        refillRate: rate,
        refillInterval: duration,
      })
    case 'gcra':
      return fc.record({ kind: fc.constant(kind), rate: small, period: duration, burst: small })
    case 'leakyBucket':
      return fc.record({ kind: fc.constant(kind), capacity: small, leakRate: rate, leakInterval: duration })
    case 'concurrency':
      return fc.record({ kind: fc.constant(kind), limit: small, leaseMs: duration })
  }
}

/** 2–3 limits of any of `kinds`, never the same limit twice (a limiter refuses duplicates). */
export function compositeArbitrary(kinds: readonly AlgorithmKind[]): fc.Arbitrary<LimitSpec[]> {
  return fc
    .array(
      fc.constantFrom(...kinds).chain((kind) => specArbitrary(kind)),
      { minLength: 2, maxLength: 3 },
    )
    .filter((specs) => new Set(specs.map((s) => build(s).id)).size === specs.length)
}

/** How far the clock moves before an operation. */
export type Advance =
  | { readonly by: 'ms'; readonly ms: number }
  /** To the next multiple of one limit's window: the epoch-aligned boundary of fixed and sliding windows. */
  | { readonly by: 'boundary'; readonly limit: number }
  /** By a wait the previous decision announced (one policy's), give or take 1 ms: where TTLs and retries land. */
  | {
      readonly by: 'decision'
      readonly field: 'resetAfterMs' | 'retryAfterMs' | 'delayMs'
      readonly policy: number
      readonly delta: number
    }

export interface Operation {
  readonly advance: Advance
  /**
   * `refund`: `decision.refund()` of one of the key's earlier `limit` decisions (refused, already
   * refunded or rolled-over ones included); `refundKey`: `limiter.refund(key, { cost })`;
   * `release`: `decision.release()` of one of them (its concurrency leases).
   */
  readonly op: 'limit' | 'peek' | 'reset' | 'refund' | 'refundKey' | 'release'
  /** Which of two keys; mostly the first. */
  readonly key: number
  /** `refund`: which earlier decision of the key, counted back from the latest (modulo how many). */
  readonly pick: number
  /** Reduced modulo (the limiter's largest admissible cost + 1). */
  readonly cost: number
  /** The shaping bound passed to `limit` (none mostly). */
  readonly maxDelayMs: number | undefined
}

const ms = (arbitrary: fc.Arbitrary<number>, weight: number) => ({
  arbitrary: fc.record({ by: fc.constant('ms' as const), ms: arbitrary }),
  weight,
})
/** Mostly no time or a little (so limits fill up and deny), sometimes seconds, window edges or announced waits. */
const advance: fc.Arbitrary<Advance> = fc.oneof(
  ms(fc.constant(0), 6),
  ms(fc.integer({ min: 1, max: 100 }), 3),
  ms(fc.integer({ min: 0, max: 3000 }), 2),
  ms(fc.constantFrom(1, 999, 1000, 1001), 1),
  { arbitrary: fc.record({ by: fc.constant('boundary' as const), limit: fc.nat(2) }), weight: 1 },
  {
    arbitrary: fc.record({
      by: fc.constant('decision' as const),
      field: fc.constantFrom('resetAfterMs' as const, 'retryAfterMs' as const, 'delayMs' as const),
      policy: fc.nat(2),
      delta: fc.constantFrom(0, 0, -1, 1),
    }),
    weight: 3,
  },
)

const operation: fc.Arbitrary<Operation> = fc.record({
  advance,
  op: fc.oneof(
    { arbitrary: fc.constant('limit' as const), weight: 6 },
    { arbitrary: fc.constant('peek' as const), weight: 2 },
    { arbitrary: fc.constant('reset' as const), weight: 1 },
    { arbitrary: fc.constant('refund' as const), weight: 2 },
    { arbitrary: fc.constant('refundKey' as const), weight: 1 },
    { arbitrary: fc.constant('release' as const), weight: 1 },
  ),
  pick: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(5), weight: 1 }),
  key: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.constant(1), weight: 1 }),
  cost: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.nat(20), weight: 2 }),
  maxDelayMs: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 },
  ),
})

/** A trace: an offset from EPOCH (so windows are not always aligned) and 1–60 operations. */
export const traceArbitrary = fc.record({
  offset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 86_400_000 })),
  operations: fc.array(operation, { minLength: 1, maxLength: 60, size: 'max' }),
})

/** The milliseconds an `Advance` moves the clock from `now`, given the limits and the previous decision. */
export function advanceBy(
  step: Advance,
  limits: readonly Algorithm[],
  now: number,
  previous: Decision | undefined,
): number {
  switch (step.by) {
    case 'ms':
      return step.ms
    case 'boundary': {
      const windowMs = (limits[step.limit % limits.length] as Algorithm).windowMs
      return windowMs - (now % windowMs)
    }
    case 'decision': {
      if (previous === undefined) return 0
      const policy = previous.policies[step.policy % previous.policies.length] as Decision['policies'][number]
      return Math.max(0, policy[step.field] + step.delta)
    }
  }
}
