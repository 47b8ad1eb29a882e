import { type Algorithm, type Cost, createRateLimiter, type Decision, type RateLimiter } from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect } from 'vitest'
import {
  advanceBy,
  build,
  compositeArbitrary,
  type LimitSpec,
  type Operation,
  specArbitrary,
  traceArbitrary,
} from './arbitraries.ts'
import { comparable } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, randomPrefix, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'
import { referenceStore } from './reference.ts'
import { despiteStalls } from './stalls.ts'

const KEYS = ['user:1', 'user:2'] as const

/** The reference's clock here: every request of the suite carries the limiter's `now`. */
const untimed = (): number => {
  throw new Error('store-conformance: the reference model needs a controlled clock')
}

/**
 * A step's cost per limit, by limit id, each admissible by its limit (0 included): drawn from the
 * step's `cost` and `pick`, so limits of one call mostly take different units, sometimes equal ones.
 */
function perLimitCost(step: Operation, limits: readonly Algorithm[]): Record<string, number> {
  const cost: Record<string, number> = {}
  limits.forEach((limit, i) => {
    cost[limit.id] = (step.cost + 7 * i * (step.pick + 1)) % (limit.maxCost + 1)
  })
  return cost
}

/**
 * Runs one trace through a limiter on the store under test and through the same limiter on the
 * reference model, requiring the same decision (every number, `policy` and `policies`) at every step.
 * With `perLimit`, every `limit`, `peek` and refund by key takes a cost per limit (`perLimitCost`).
 */
export async function runTrace(
  h: Harness,
  specs: readonly LimitSpec[],
  trace: { offset: number; operations: readonly Operation[] },
  refunds: boolean,
  perLimit = false,
): Promise<void> {
  const limits = specs.map(build)
  const algorithm: Algorithm | Algorithm[] = limits.length === 1 ? (limits[0] as Algorithm) : limits
  const start = EPOCH + trace.offset
  const clock = controlledClock(start)
  const prefix = randomPrefix('parity')
  const actual = h.limiter(algorithm, { clock, prefix })
  const expected: RateLimiter = createRateLimiter({
    store: referenceStore({ clock: untimed }),
    algorithm,
    prefix,
    clock: clock.read,
    // The reference is stepAll itself: no deny cache answering in its place.
    denyCache: false,
  })
  const maxCost = limits.reduce((least, l) => Math.min(least, l.maxCost), Number.POSITIVE_INFINITY)
  let previous: Decision | undefined
  // Each key's `limit` decisions on both sides, latest last: what `refund` steps give back.
  const taken = new Map<string, [got: Decision, want: Decision][]>()
  for (const [i, step] of trace.operations.entries()) {
    clock.advance(advanceBy(step.advance, limits, clock.now, previous))
    const key = KEYS[step.key] as string
    if (step.op === 'reset') {
      await Promise.all([actual.reset(key), expected.reset(key)])
      continue
    }
    if (step.op === 'refund' || step.op === 'refundKey' || step.op === 'release') {
      // A store without refund (`refunds: false`) skips these steps.
      if (refunds) {
        const byKey = perLimit ? refundPerLimit(step, limits) : 1 + (step.cost % maxCost)
        await refundStep(actual, expected, key, step, taken.get(key) ?? [], byKey)
      }
      continue
    }
    const cost: Cost = perLimit ? perLimitCost(step, limits) : step.cost % (maxCost + 1)
    const options = { cost, maxDelayMs: step.maxDelayMs }
    const want = await expected[step.op](key, options)
    const got = await actual[step.op](key, options)
    const where = `step ${i}: ${step.op}(${JSON.stringify(key)}, ${JSON.stringify(options)}) at t = +${clock.now - start} ms`
    expect(comparable(got), where).toStrictEqual(comparable(want))
    previous = want
    if (step.op === 'limit') taken.set(key, (taken.get(key) ?? []).concat([[got, want]]))
  }
}

/** A refund by key per limit: `perLimitCost`, with at least 1 unit under the first limit. */
function refundPerLimit(step: Operation, limits: readonly Algorithm[]): Record<string, number> {
  const cost = perLimitCost(step, limits)
  const first = limits[0] as Algorithm
  cost[first.id] = 1 + (step.cost % first.maxCost)
  return cost
}

/**
 * A refund step on both limiters: `decision.refund()` (or `release()`) of one earlier `limit` decision of `key`
 * (any: refused, already refunded, rolled over) or a refund by key, with the same answer on both.
 * The decisions after it show whether the store gave back what the reference did.
 */
async function refundStep(
  actual: RateLimiter,
  expected: RateLimiter,
  key: string,
  step: Operation,
  decisions: readonly [Decision, Decision][],
  cost: Cost,
): Promise<void> {
  if (step.op === 'refundKey') {
    expect(await actual.refund(key, { cost })).toBe(await expected.refund(key, { cost }))
    return
  }
  if (decisions.length === 0) return
  const [got, want] = decisions[decisions.length - 1 - (step.pick % decisions.length)] as [Decision, Decision]
  const op = step.op === 'release' ? 'release' : 'refund'
  const wanted = await want[op]?.()
  expect(await got[op]?.(), `${op} of ${JSON.stringify(comparable(want))}`).toBe(wanted)
}

/**
 * Area 2: store/reference parity. For each algorithm kind, random parameters and random traces of
 * limit/peek/reset/refund (of earlier decisions and by key) with random costs, run on the store and on core's `stepAll` over a Map that drops
 * states at their TTL; the decisions must be identical. Then the same for random composites of 2–3
 * limits. Needs controlled time: registers nothing in 'store' time.
 */
export function describeParity(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (resolved.time !== 'controlled') return
  describe(`${name} › parity with the reference`, () => {
    const h = harness('parity', factory, resolved)
    const runs = { numRuns: resolved.numRuns }
    for (const kind of resolved.algorithms) {
      h.property(`${kind}: random parameters and traces decide like stepAll`, async () => {
        await fc.assert(
          // Each trace draws a fresh prefix, so a rerun after a stall starts from empty keys.
          fc.asyncProperty(specArbitrary(kind), traceArbitrary, (spec, trace) =>
            despiteStalls(() => runTrace(h, [spec], trace, resolved.refunds)),
          ),
          runs,
        )
      })
    }
    if (resolved.composite) {
      h.property(
        'composite: random 2–3 limits of random kinds decide like stepAll, all-or-nothing',
        async () => {
          await fc.assert(
            fc.asyncProperty(compositeArbitrary(resolved.algorithms), traceArbitrary, (specs, trace) =>
              despiteStalls(() => runTrace(h, specs, trace, resolved.refunds)),
            ),
            runs,
          )
        },
      )
    }
  })
}
