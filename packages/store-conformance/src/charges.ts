// Area 13: charges (units taken after the fact, past the limit): worked examples, cost objects,
// parity with core's chargeAll on random traces, and the bounds every decision keeps after them.
import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  type RateLimiter,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect } from 'vitest'
import {
  type Advance,
  advanceBy,
  build,
  compositeArbitrary,
  type LimitSpec,
  specArbitrary,
} from './arbitraries.ts'
import { comparable, expectDecision } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, randomPrefix, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'
import { referenceStore } from './reference.ts'
import { slowLimit } from './refunds.ts'
import { despiteStalls } from './stalls.ts'

const charge = (d: Decision, cost: number): Promise<Decision> =>
  (d.charge as (cost: number) => Promise<Decision>)(cost)

/** Each kind's worked example (docs/algorithms.md, "Charges"), on the test's clock from EPOCH. */
const WORKED: Readonly<Record<AlgorithmKind, (h: Harness) => Promise<void>>> = {
  async fixedWindow(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(fixedWindow({ limit: 5, window: 1000 }), { clock })
    const taken = await limiter.limit('k', { cost: 2 })
    // 2 + 10 saturates at 5: the window is full until it ends.
    const after = await charge(taken, 10)
    expectDecision(after, { allowed: false, limit: 5, remaining: 0, resetAfterMs: 1000, retryAfterMs: 1000 })
    clock.advance(400)
    expectDecision(await limiter.limit('k'), {
      allowed: false,
      limit: 5,
      remaining: 0,
      resetAfterMs: 600,
      retryAfterMs: 600,
    })
    clock.advance(600) // t = 1000: nothing carries into the next window
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 5, remaining: 4, resetAfterMs: 1000 })
  },
  async slidingWindow(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(slidingWindow({ limit: 10, window: 1000 }), { clock })
    // 25 in this window: one more fits once 25 × (1000 − e) + 1000 ≤ 10 000 in the next, e = 640.
    const after = await limiter.charge('k', { cost: 25 })
    expectDecision(after, { allowed: false, limit: 10, remaining: 0, resetAfterMs: 2000, retryAfterMs: 1640 })
    clock.set(EPOCH + 1639)
    expect((await limiter.limit('k')).retryAfterMs).toBe(1)
    clock.set(EPOCH + 1640)
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 10, remaining: 0, resetAfterMs: 1360 })
  },
  async slidingLog(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(slidingLog({ limit: 3, window: 1000 }), { clock })
    await limiter.limit('k')
    clock.advance(100)
    // 5 entries at 100, the log kept at its newest 4 (limit + 1): all leave at 1100.
    const after = await limiter.charge('k', { cost: 5 })
    expectDecision(after, { allowed: false, limit: 3, remaining: 0, resetAfterMs: 1000, retryAfterMs: 1000 })
    clock.set(EPOCH + 1099)
    expect((await limiter.limit('k')).retryAfterMs).toBe(1)
    clock.set(EPOCH + 1100)
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 3, remaining: 2, resetAfterMs: 1000 })
  },
  async tokenBucket(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(tokenBucket({ capacity: 5, refillRate: 1 }), { clock })
    const taken = await limiter.limit('k')
    // 4 − 10 = −6 tokens: one token in 7 s, full in 11 s.
    const after = await charge(taken, 10)
    expectDecision(after, {
      allowed: false,
      limit: 5,
      remaining: 0,
      resetAfterMs: 11_000,
      retryAfterMs: 7000,
    })
    clock.advance(6999)
    expect((await limiter.limit('k')).allowed).toBe(false)
    clock.advance(1)
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 5, remaining: 0, resetAfterMs: 5000 })
  },
  async gcra(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(gcra({ rate: 10, period: 1000, burst: 5 }), { clock })
    await limiter.limit('k')
    // TAT 100 + 20 × 100 = 2100; one more fits once TAT + 100 − 500 ≤ t.
    const after = await limiter.charge('k', { cost: 20 })
    expectDecision(after, { allowed: false, limit: 5, remaining: 0, resetAfterMs: 2100, retryAfterMs: 1700 })
    clock.set(EPOCH + 1700)
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 5, remaining: 0, resetAfterMs: 500 })
  },
  async leakyBucket(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }), { clock })
    await limiter.limit('k')
    // The queue drains at 1000 + 4 × 1000 = 5000; a request is admitted once 2 wait ahead of it.
    const after = await limiter.charge('k', { cost: 4 })
    expectDecision(after, { allowed: false, limit: 3, remaining: 0, resetAfterMs: 5000, retryAfterMs: 3000 })
    clock.set(EPOCH + 3000)
    expectDecision(await limiter.limit('k'), {
      allowed: true,
      limit: 3,
      remaining: 0,
      resetAfterMs: 3000,
      delayMs: 2000,
    })
  },
  async concurrency(h) {
    const clock = controlledClock(EPOCH)
    const limiter = h.limiter(concurrency({ limit: 2, leaseMs: 1000 }), { clock })
    const held = await limiter.limit('k')
    // Leases, not units: a charge leaves them alone.
    const after = await charge(held, 5)
    expectDecision(after, { allowed: true, limit: 2, remaining: 0, resetAfterMs: 1000 })
    expectDecision(await limiter.limit('k'), { allowed: true, limit: 2, remaining: 0, resetAfterMs: 1000 })
  },
}

/** How far the clock moves before a step: mostly little, sometimes to a wait a decision announced. */
const advance: fc.Arbitrary<Advance> = fc.oneof(
  { arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.constant(0) }), weight: 3 },
  {
    arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      by: fc.constant('decision' as const),
      field: fc.constantFrom('resetAfterMs' as const, 'retryAfterMs' as const),
      policy: fc.nat(2),
      delta: fc.constantFrom(0, -1, 1),
    }),
    weight: 2,
  },
)

interface Step {
  readonly advance: Advance
  readonly op: 'limit' | 'peek' | 'charge' | 'refund'
  /** `limit`, `peek`, `refund`: modulo the largest admissible cost + 1 (refund: + 1); `charge`: 1 + modulo 3 × it. */
  readonly cost: number
}

const steps = fc.array(
  fc.record({
    advance,
    op: fc.constantFrom(
      'limit' as const,
      'limit' as const,
      'peek' as const,
      'charge' as const,
      'refund' as const,
    ),
    cost: fc.nat(60),
  }),
  { minLength: 1, maxLength: 25 },
)

/** A decision that keeps the contract after any charge: `remaining` in [0, limit], waits ≥ 0, made by the store. */
function expectBounded(d: Decision, where: string): void {
  expect(d.degraded, where).toBeUndefined()
  for (const p of d.policies) {
    expect(p.remaining, where).toBeGreaterThanOrEqual(0)
    expect(p.remaining, where).toBeLessThanOrEqual(p.limit)
    expect(p.retryAfterMs, where).toBeGreaterThanOrEqual(0)
    expect(p.resetAfterMs, where).toBeGreaterThanOrEqual(0)
  }
}

/**
 * One trace on the store under test and, with `parity`, on the reference model too (the same
 * decision at every step); every decision bounded either way.
 */
async function runCharges(h: Harness, specs: readonly LimitSpec[], trace: readonly Step[], parity: boolean) {
  const limits: Algorithm[] = specs.map(build)
  const algorithm = limits.length === 1 ? (limits[0] as Algorithm) : limits
  const clock = controlledClock(EPOCH)
  const prefix = randomPrefix('charges')
  const actual = h.limiter(algorithm, { clock, prefix })
  const expected: RateLimiter | undefined = parity
    ? createRateLimiter({
        store: referenceStore({ clock: () => Number.NaN }),
        algorithm,
        prefix,
        clock: clock.read,
        denyCache: false,
      })
    : undefined
  const maxCost = limits.reduce((least, l) => Math.min(least, l.maxCost), Number.POSITIVE_INFINITY)
  let previous: Decision | undefined
  for (const [i, step] of trace.entries()) {
    clock.advance(advanceBy(step.advance, limits, clock.now, previous))
    const where = `step ${i}: ${step.op} cost ${step.cost} at t = +${clock.now - EPOCH} ms`
    if (step.op === 'refund') {
      const cost = 1 + (step.cost % maxCost)
      await actual.refund('k', { cost })
      await expected?.refund('k', { cost })
      continue
    }
    const op = step.op
    const call = (l: RateLimiter): Promise<Decision> =>
      op === 'charge'
        ? l.charge('k', { cost: 1 + (step.cost % (3 * maxCost)) })
        : l[op]('k', { cost: step.cost % (maxCost + 1) })
    const got = await call(actual)
    expectBounded(got, where)
    if (expected !== undefined) expect(comparable(got), where).toStrictEqual(comparable(await call(expected)))
    previous = got
  }
}

/**
 * Area 13: charges (`limiter.charge`, `decision.charge`). Per kind, a worked example with
 * hand-computed numbers (controlled time); a cost object on two limits; parity with core's
 * `chargeAll` on random traces of limit, peek, charge and refund; on the store's own clock, a charge
 * past the limit denies the next call. Registered unless `charges` is false.
 */
export function describeCharges(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (!resolved.charges) return
  describe(`${name} › charges`, () => {
    const h = harness('charges', factory, resolved)
    const runs = { numRuns: Math.max(5, Math.ceil(resolved.numRuns / 2)) }
    if (h.controlled) {
      for (const kind of resolved.algorithms) {
        h.test(`${kind}: the worked example of docs/algorithms.md`, () => WORKED[kind](h))
        h.property(
          `${kind}: random traces with charges decide like chargeAll, remaining within [0, limit]`,
          () =>
            fc.assert(
              fc.asyncProperty(specArbitrary(kind), steps, (spec, trace) =>
                despiteStalls(() => runCharges(h, [spec], trace, true)),
              ),
              runs,
            ),
        )
      }
      if (resolved.algorithms.includes('slidingLog')) {
        h.test(
          'slidingLog: a charge that trims the log leaves entries a refund and a limit can count',
          async () => {
            const clock = controlledClock(EPOCH)
            // An hour: real time cannot expire the keys (the TTL runs on the server's clock) however slow the machine.
            const limiter = h.limiter(slidingLog({ limit: 14, window: '1h' }), { clock })
            await limiter.limit('k', { cost: 12 })
            clock.advance(1)
            // 12 at 0 and 5 at 1, kept at the newest 15: 10 at 0 (which 10 is the store's business).
            await limiter.charge('k', { cost: 5 })
            // The newest 6 go: 5 at 1 and one at 0, leaving 9.
            await limiter.refund('k', { cost: 6 })
            expect((await limiter.peek('k')).remaining).toBe(5)
            expect((await limiter.limit('k', { cost: 5 })).remaining).toBe(0)
            expect((await limiter.limit('k')).allowed).toBe(false)
            await limiter.refund('k', { cost: 14 })
            expect((await limiter.peek('k')).remaining).toBe(14)
          },
        )
      }
      if (resolved.composite && resolved.algorithms.includes('tokenBucket')) {
        h.test('a cost object charges each limit its own units', async () => {
          const clock = controlledClock(EPOCH)
          const limiter = h.limiter(
            [
              fixedWindow({ name: 'requests', limit: 10, window: 1000 }),
              tokenBucket({ name: 'tokens', capacity: 1000, refillRate: 100 }),
            ],
            { clock },
          )
          const taken = await limiter.limit('k')
          // tokens: 999 − 1500 = −501, one more in 5.02 s; requests: untouched, 1 counted.
          const after = await (taken.charge as (cost: object) => Promise<Decision>)({ tokens: 1500 })
          expect(after.allowed).toBe(false)
          expect(after.policy).toBe('tokens')
          expect(after.policies.map((p) => [p.policy, p.allowed, p.remaining, p.retryAfterMs])).toStrictEqual(
            [
              ['requests', true, 8, 0],
              ['tokens', false, 0, 5020],
            ],
          )
          clock.advance(5020)
          // A new second for requests; one token refilled for tokens.
          expect((await limiter.limit('k')).policies.map((p) => p.remaining)).toStrictEqual([9, 0])
        })
      }
      if (resolved.composite && resolved.algorithms.length > 1) {
        h.property('random composites with charges and refunds keep every decision within bounds', () =>
          fc.assert(
            fc.asyncProperty(compositeArbitrary(resolved.algorithms), steps, (specs, trace) =>
              despiteStalls(() => runCharges(h, specs, trace, false)),
            ),
            runs,
          ),
        )
      }
    }
    for (const kind of resolved.algorithms) {
      h.test(`${kind}: a charge past the limit denies the next call (the store's clock too)`, async () => {
        const limit = slowLimit(kind)
        const limiter = h.limiter(limit)
        const taken = await limiter.limit('k')
        expect(taken.allowed).toBe(true)
        const after = await charge(taken, 3 * limit.maxCost)
        expectBounded(after, 'charge')
        const next = await limiter.limit('k')
        if (kind === 'concurrency') {
          // Untouched: a second lease still fits.
          expect([after.allowed, next.allowed]).toStrictEqual([true, true])
        } else {
          expect([after.allowed, next.allowed]).toStrictEqual([false, false])
          expect(next.remaining).toBe(0)
          expect(next.retryAfterMs).toBeGreaterThan(0)
        }
      })
    }
  })
}
