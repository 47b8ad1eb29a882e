// Area 11: penalties (blockDuration, blockEscalation, ban, unban, blockedUntil): the worked examples
// of docs/algorithms.md, and random traces with blocks and bans decided like core's penaltyStep.
import {
  type Algorithm,
  type AlgorithmKind,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  type PenaltyOptions,
  type RateLimiter,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect } from 'vitest'
import { advanceBy, build, compositeArbitrary, type LimitSpec, specArbitrary } from './arbitraries.ts'
import { comparable } from './expectations.ts'
import {
  type Clock,
  controlledClock,
  EPOCH,
  type Harness,
  harness,
  randomPrefix,
  type StoreFactory,
} from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'
import { referenceStore } from './reference.ts'
import { slowLimit } from './refunds.ts'
import { despiteStalls } from './stalls.ts'

/** A limiter with `penalty` over the store under test (no deny cache: the store answers). */
function penalized(h: Harness, algorithm: Algorithm | Algorithm[], penalty: PenaltyOptions, clock?: Clock) {
  return createRateLimiter({
    store: h.store(),
    algorithm,
    prefix: randomPrefix('penalties'),
    denyCache: false,
    ...penalty,
    ...(h.controlled ? { clock: (clock ?? controlledClock()).read } : {}),
  })
}

/** allowed, retryAfterMs, and blockedUntil from EPOCH ('-' for none). */
const brief = (d: Decision) => [
  d.allowed,
  d.retryAfterMs,
  d.blockedUntil === undefined ? '-' : d.blockedUntil - EPOCH,
]

/** One step of a penalty trace. */
interface PenaltyOperation {
  readonly advance:
    | { readonly by: 'ms'; readonly ms: number }
    | { readonly by: 'retry'; readonly delta: number }
  readonly op: 'limit' | 'peek' | 'ban' | 'unban'
  readonly key: number
  readonly cost: number
  /** `ban`: its duration in ms. */
  readonly ms: number
}

const penaltyArbitrary: fc.Arbitrary<PenaltyOptions> = fc.oneof(
  fc.record({ blockDuration: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })) }),
  fc
    .record({
      blockDuration: fc.integer({ min: 1, max: 3000 }),
      factor: fc.constantFrom(1, 1.5, 2, 3),
      extra: fc.integer({ min: 0, max: 20_000 }),
      forgetAfter: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
    })
    .map(({ blockDuration, factor, extra, forgetAfter }) => ({
      blockDuration,
      blockEscalation: { factor, maxBlockDuration: blockDuration + extra, forgetAfter },
    })),
)

const operation: fc.Arbitrary<PenaltyOperation> = fc.record({
  advance: fc.oneof(
    { arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.constant(0) }), weight: 4 },
    {
      arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
      weight: 3,
    },
    {
      arbitrary: fc.record({ by: fc.constant('retry' as const), delta: fc.constantFrom(-1, 0, 0, 1) }),
      weight: 2,
    },
  ),
  op: fc.oneof(
    { arbitrary: fc.constant('limit' as const), weight: 8 },
    { arbitrary: fc.constant('peek' as const), weight: 2 },
    { arbitrary: fc.constant('ban' as const), weight: 1 },
    { arbitrary: fc.constant('unban' as const), weight: 1 },
  ),
  key: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.constant(1), weight: 1 }),
  cost: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.nat(10), weight: 1 }),
  ms: fc.integer({ min: 1, max: 10_000 }),
})

const traceArbitrary = fc.record({
  offset: fc.integer({ min: 0, max: 86_400_000 }),
  operations: fc.array(operation, { minLength: 1, maxLength: 30, size: 'max' }),
})

const KEYS = ['user:1', 'user:2'] as const

/**
 * One trace through a limiter with `penalty` on the store under test and on the reference model:
 * every decision (numbers, policies, `blockedUntil`) must be the same.
 */
async function runPenaltyTrace(
  h: Harness,
  specs: readonly LimitSpec[],
  penalty: PenaltyOptions,
  trace: { offset: number; operations: readonly PenaltyOperation[] },
): Promise<void> {
  const limits = specs.map(build)
  const algorithm = limits.length === 1 ? (limits[0] as Algorithm) : limits
  const clock = controlledClock(EPOCH + trace.offset)
  const actual = penalized(h, algorithm, penalty, clock)
  const expected: RateLimiter = createRateLimiter({
    store: referenceStore({ clock: () => clock.now }),
    algorithm,
    clock: clock.read,
    denyCache: false,
    ...penalty,
  })
  const maxCost = limits.reduce((least, l) => Math.min(least, l.maxCost), Number.POSITIVE_INFINITY)
  let previous: Decision | undefined
  for (const [i, step] of trace.operations.entries()) {
    const { advance } = step
    clock.advance(
      advance.by === 'ms'
        ? advance.ms
        : advanceBy(
            { by: 'decision', field: 'retryAfterMs', policy: 0, delta: advance.delta },
            limits,
            clock.now,
            previous,
          ),
    )
    const key = KEYS[step.key] as string
    const where = `step ${i}: ${step.op}(${JSON.stringify(key)}) at t = ${clock.now - EPOCH - trace.offset} ms`
    if (step.op === 'ban') {
      await Promise.all([actual.ban(key, step.ms), expected.ban(key, step.ms)])
    } else if (step.op === 'unban') {
      await Promise.all([actual.unban(key), expected.unban(key)])
    } else {
      const cost = step.cost % (maxCost + 1)
      const want = await expected[step.op](key, { cost })
      const got = await actual[step.op](key, { cost })
      expect(comparable(got), where).toStrictEqual(comparable(want))
      previous = want
    }
  }
}

/**
 * Area 11: penalties. In 'controlled' time, the worked examples of docs/algorithms.md (a block, its
 * escalation, a ban, a composite blocked as one) and random traces of limit/peek/ban/unban with
 * random penalties, decided like core's `penaltyStep`; in 'store' time, a ban and an unban on the
 * store's clock. Registered unless the store does not declare `capabilities.penalties`.
 */
export function describePenalties(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  describe(`${name} › penalties`, () => {
    const h = harness('penalties', factory, resolved)
    const kind = resolved.algorithms.includes('fixedWindow')
    const when = (label: string, fn: () => Promise<void>) =>
      h.test(label, async () => {
        // A store that keeps no blocks has nothing to certify here.
        if (h.store().capabilities.penalties !== true) return
        await fn()
      })

    if (h.controlled && kind) {
      when('the worked example: a denial blocks the key until blockedUntil, counting nothing', async () => {
        const clock = controlledClock(EPOCH)
        const limiter = penalized(h, fixedWindow({ limit: 2, window: 1000 }), { blockDuration: '10s' }, clock)
        expect(brief(await limiter.limit('k'))).toStrictEqual([true, 0, '-'])
        expect(brief(await limiter.limit('k'))).toStrictEqual([true, 0, '-'])
        expect(brief(await limiter.limit('k'))).toStrictEqual([false, 10_000, 10_000])
        clock.set(EPOCH + 2500)
        const blocked = await limiter.limit('k')
        expect([blocked.remaining, blocked.resetAfterMs, ...brief(blocked)]).toStrictEqual([
          0,
          7500,
          false,
          7500,
          10_000,
        ])
        expect(brief(await limiter.peek('k'))).toStrictEqual([false, 7500, 10_000])
        clock.set(EPOCH + 10_000)
        const after = await limiter.limit('k')
        expect([after.remaining, ...brief(after)]).toStrictEqual([1, true, 0, '-'])
      })

      when('the worked example: escalation doubles each block within forgetAfter, capped', async () => {
        const clock = controlledClock(EPOCH)
        const limiter = penalized(
          h,
          fixedWindow({ limit: 1, window: 100 }),
          {
            blockDuration: 1000,
            blockEscalation: { factor: 2, maxBlockDuration: 5000, forgetAfter: 10_000 },
          },
          clock,
        )
        const blocks: number[] = []
        for (let i = 0; i < 6; i++) {
          if (i === 5) clock.advance(10_000)
          await limiter.limit('k')
          const denied = await limiter.limit('k')
          blocks.push((denied.blockedUntil as number) - clock.now)
          clock.set(denied.blockedUntil as number)
        }
        expect(blocks).toStrictEqual([1000, 2000, 4000, 5000, 5000, 1000])
      })
    }

    if (h.controlled && resolved.composite && resolved.algorithms.includes('gcra') && kind) {
      when('a composite: a denial by one limit blocks every limit of the key', async () => {
        const clock = controlledClock(EPOCH)
        const limits = [fixedWindow({ limit: 1, window: 1000 }), gcra({ rate: 100, period: '1s' })]
        const limiter = penalized(h, limits, { blockDuration: 3000 }, clock)
        await limiter.limit('k')
        expect(brief(await limiter.limit('k'))).toStrictEqual([false, 3000, 3000])
        clock.set(EPOCH + 1000)
        const blocked = await limiter.limit('k')
        expect(blocked.policies.map((p) => [p.allowed, p.retryAfterMs])).toStrictEqual([
          [false, 2000],
          [false, 2000],
        ])
      })
    }

    when('ban blocks at once, unban lifts it; other keys are untouched', async () => {
      const algorithm = slowLimit(resolved.algorithms[0] as AlgorithmKind)
      const limiter = penalized(h, algorithm, { blockDuration: 0 })
      await limiter.ban('k', '1h')
      const banned = await limiter.limit('k')
      expect(banned.allowed).toBe(false)
      expect(banned.retryAfterMs).toBeGreaterThan(3_500_000)
      expect(banned.retryAfterMs).toBeLessThanOrEqual(3_600_000)
      expect((await limiter.limit('other')).allowed).toBe(true)
      await limiter.unban('k')
      const lifted = await limiter.limit('k')
      expect([lifted.allowed, lifted.blockedUntil]).toStrictEqual([true, undefined])
    })

    if (h.controlled) {
      const runs = { numRuns: Math.max(1, Math.ceil(resolved.numRuns / 2)) }
      h.property('random limits, penalties and traces with bans decide like penaltyStep', async () => {
        if (h.store().capabilities.penalties !== true) return
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...resolved.algorithms).chain(specArbitrary),
            penaltyArbitrary,
            traceArbitrary,
            (spec, penalty, trace) => despiteStalls(() => runPenaltyTrace(h, [spec], penalty, trace)),
          ),
          runs,
        )
      })
      if (resolved.composite) {
        h.property('random composites with penalties decide like penaltyStep', async () => {
          if (h.store().capabilities.penalties !== true) return
          await fc.assert(
            fc.asyncProperty(
              compositeArbitrary(resolved.algorithms),
              penaltyArbitrary,
              traceArbitrary,
              (specs, penalty, trace) => despiteStalls(() => runPenaltyTrace(h, specs, penalty, trace)),
            ),
            runs,
          )
        })
      }
    }
  })
}
