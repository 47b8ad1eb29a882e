import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { refundStep } from '../src/entries/store.ts'
import {
  type Algorithm,
  type AlgorithmState,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../src/index.ts'
import { storedTime } from './clocks.ts'

/** Random limits of every kind with small numbers, so traces hit the edges often. */
const algorithmArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 12 }), window: fc.integer({ min: 1, max: 3000 }) })
    .chain((o) =>
      fc.constantFrom(
        fixedWindow(o),
        fixedWindow({ ...o, align: 'first-request' }),
        slidingLog(o),
        slidingWindow(o),
      ),
    ),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 12 }),
      refillRate: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(0.5, 2.5, 1 / 3)),
      refillInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => tokenBucket(o)),
  fc
    .record({
      rate: fc.integer({ min: 1, max: 12 }),
      period: fc.integer({ min: 1, max: 5000 }),
      burst: fc.integer({ min: 1, max: 12 }),
    })
    .map((o) => gcra(o)),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 12 }),
      leakRate: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(0.5, 3)),
      leakInterval: fc.integer({ min: 1, max: 3000 }),
    })
    .map((o) => leakyBucket(o)),
)

/** A state reached by a random trace of admitted and denied requests, and the time it ends at. */
const scenarioArb = algorithmArb.chain((algorithm) =>
  fc.record({
    algorithm: fc.constant(algorithm),
    start: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
    trace: fc.array(
      fc.record({
        dt: fc.integer({ min: 0, max: 2000 }),
        cost: fc.integer({ min: 0, max: algorithm.maxCost }),
      }),
      {
        maxLength: 30,
      },
    ),
    cost: fc.integer({ min: 1, max: algorithm.maxCost }),
  }),
)

function replay({
  algorithm,
  start,
  trace,
}: {
  algorithm: Algorithm
  start: number
  trace: { dt: number; cost: number }[]
}) {
  let state: AlgorithmState | undefined
  let now = start
  for (const { dt, cost } of trace) {
    now += dt
    const r = algorithm.step(state, now, cost)
    if (r.decision.allowed && cost > 0) state = r.state
  }
  return { state, now }
}

describe('properties of every algorithm (reference step functions)', () => {
  it('numbers stay in range: 0 ≤ remaining ≤ limit, times are whole and ≥ 0, retryAfterMs only on denial', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { state, now } = replay(s)
        const { decision: d } = s.algorithm.step(state, now, s.cost)
        expect(d.remaining).toBeGreaterThanOrEqual(0)
        expect(d.remaining).toBeLessThanOrEqual(d.limit)
        for (const ms of [d.resetAfterMs, d.retryAfterMs, d.delayMs]) {
          expect(Number.isInteger(ms) && ms >= 0).toBe(true)
        }
        expect(d.allowed ? d.retryAfterMs === 0 : d.retryAfterMs > 0).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('retryAfterMs is exact: the same request is admitted after it and still denied 1 ms before', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { state, now } = replay(s)
        const { decision } = s.algorithm.step(state, now, s.cost)
        fc.pre(!decision.allowed)
        expect(s.algorithm.step(state, now + decision.retryAfterMs, s.cost).decision.allowed).toBe(true)
        expect(s.algorithm.step(state, now + decision.retryAfterMs - 1, s.cost).decision.allowed).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('remaining is exact: that many more unit requests fit right now, and not one more', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        let { state } = replay(s)
        const { now } = replay(s)
        const first = s.algorithm.step(state, now, 1)
        fc.pre(first.decision.allowed)
        state = first.state
        for (let i = 0; i < first.decision.remaining; i++) {
          const r = s.algorithm.step(state, now, 1)
          expect(r.decision.allowed).toBe(true)
          state = r.state
        }
        expect(s.algorithm.step(state, now, 1).decision.allowed).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('after resetAfterMs the key is as good as fresh', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { state, now } = replay(s)
        const { decision } = s.algorithm.step(state, now, 0)
        const later = s.algorithm.step(state, now + decision.resetAfterMs, 0).decision
        const fresh = s.algorithm.step(undefined, now + decision.resetAfterMs, 0).decision
        expect(later.remaining).toBe(fresh.remaining)
      }),
      { numRuns: 2000 },
    )
  })

  it('a written state expires no earlier than it matters: stepping it at ttl equals stepping a fresh key', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { state, now } = replay(s)
        const r = s.algorithm.step(state, now, s.cost)
        fc.pre(r.decision.allowed)
        const at = now + r.ttlMs
        expect(s.algorithm.step(r.state, at, s.cost)).toEqual(s.algorithm.step(undefined, at, s.cost))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('clocks that disagree (reference step functions)', () => {
  it('a request from a clock behind the stored time decides, and writes, exactly as one at the stored time', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 1, max: 7_200_000 }), (s, lag) => {
        const { state } = replay(s)
        fc.pre(state !== undefined)
        const at = storedTime(s.algorithm.kind, state as AlgorithmState)
        fc.pre(at !== undefined)
        const stored = at as number
        const lagging = s.algorithm.step(state, stored - lag, s.cost)
        const onTime = s.algorithm.step(state, stored, s.cost)
        expect(lagging.decision).toEqual(onTime.decision)
        expect(lagging.state).toEqual(onTime.state)
        // The state matters as long, counted from the lagging clock.
        expect(lagging.ttlMs).toBe(onTime.ttlMs + lag)
      }),
      { numRuns: 2000 },
    )
  })

  it('across callers up to an hour apart, the stored time never moves back and never trails the window of any caller', () => {
    const lagArb = fc.oneof(
      fc.constantFrom(0, 0, 1, 1000, 60_000, 3_600_000),
      fc.integer({ min: 0, max: 3_600_000 }),
    )
    fc.assert(
      fc.property(
        algorithmArb,
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 2000 }), lag: lagArb }), { maxLength: 40 }),
        (algorithm, trace) => {
          let state: AlgorithmState | undefined
          let trueNow = 1_700_000_000_000
          for (const { dt, lag } of trace) {
            trueNow += dt
            const now = trueNow - lag
            const r = algorithm.step(state, now, 1)
            if (!r.decision.allowed) continue
            const before = state === undefined ? undefined : storedTime(algorithm.kind, state)
            const after = storedTime(algorithm.kind, r.state) as number
            if (before !== undefined) expect(after).toBeGreaterThanOrEqual(before)
            // The window kinds hold their window's start, the others the time itself; a window
            // started by a first request holds its own start, within one window of the caller's now.
            const firstRequest = (algorithm.params as { align?: string }).align === 'first-request'
            const floor = firstRequest
              ? now - algorithm.windowMs + 1
              : algorithm.kind === 'fixedWindow' || algorithm.kind === 'slidingWindow'
                ? Math.floor(now / algorithm.windowMs) * algorithm.windowMs
                : now
            expect(after).toBeGreaterThanOrEqual(floor)
            state = r.state
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('a state stepped by a lagging clock expires no earlier than it matters: at now + ttlMs it steps like a fresh key', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 1, max: 7_200_000 }), (s, lag) => {
        const { state, now } = replay(s)
        const r = s.algorithm.step(state, now - lag, s.cost)
        fc.pre(r.decision.allowed)
        const at = now - lag + r.ttlMs
        expect(s.algorithm.step(r.state, at, s.cost)).toEqual(s.algorithm.step(undefined, at, s.cost))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('exact arithmetic with fractional intervals', () => {
  it('gcra with T = 1000/3 ms admits exactly `rate` per period in steady state, with no drift over a day (burst absorbs tick jitter)', () => {
    const a = gcra({ rate: 3, period: '1s', burst: 2 })
    let state: AlgorithmState | undefined
    let admitted = 0
    const start = 1_700_000_000_000
    for (let now = start; now < start + 86_400_000; now += 37) {
      const r = a.step(state, now, 1)
      if (r.decision.allowed) {
        state = r.state
        admitted++
      }
    }
    // The first burst adds one; after that exactly 3 per second.
    expect(admitted).toBe(3 * 86_400 + 1)
  })
  it('tokenBucket refills 1/3 token per second exactly: 1 token after 3 s, not 2.9999', () => {
    const a = tokenBucket({ capacity: 1, refillRate: 1 / 3 })
    const empty = a.step(undefined, 0, 1).state
    expect(a.step(empty, 2999, 1).decision.allowed).toBe(false)
    expect(a.step(empty, 3000, 1).decision.allowed).toBe(true)
  })
})

describe('properties of refunds (reference refundStep)', () => {
  const peekAt = (a: Algorithm, state: AlgorithmState | undefined, t: number, cost = 0) =>
    a.step(state, t, cost).decision

  it('a take refunded at the same instant leaves every decision at that instant as before', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { state, now } = replay(s)
        const take = s.algorithm.step(state, now, s.cost)
        fc.pre(take.decision.allowed)
        // Exactly what decision.refund() sends on a limiter clock: the take's time + resetAfterMs.
        const back = refundStep(s.algorithm, take.state, now, s.cost, now + take.decision.resetAfterMs)
        const after = back === undefined ? take.state : back.state
        for (const cost of [0, 1, s.cost, s.algorithm.maxCost]) {
          expect(peekAt(s.algorithm, after, now, cost)).toStrictEqual(peekAt(s.algorithm, state, now, cost))
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('a refund never takes (remaining never drops, now or later) and never gives past a fresh key', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.option(fc.integer({ min: -5000, max: 5000 })),
        fc.integer({ min: 0, max: 5000 }),
        (s, taken, later) => {
          const { state, now } = replay(s)
          const back = refundStep(s.algorithm, state, now, s.cost, taken === null ? undefined : now + taken)
          const after = back === undefined ? state : back.state
          if (back !== undefined) expect(Number.isFinite(back.ttlMs)).toBe(true)
          for (const t of [now, now + later]) {
            const before = peekAt(s.algorithm, state, t).remaining
            const refunded = peekAt(s.algorithm, after, t).remaining
            expect(refunded).toBeGreaterThanOrEqual(before)
            expect(refunded).toBeLessThanOrEqual(peekAt(s.algorithm, undefined, t).remaining)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('a fixed window gives nothing back once the window it was taken from rolled', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 5000 }), (s, wait) => {
        fc.pre(s.algorithm.kind === 'fixedWindow')
        const { state, now } = replay(s)
        const take = s.algorithm.step(state, now, s.cost)
        fc.pre(take.decision.allowed)
        const end = now + take.decision.resetAfterMs
        const later = now + wait
        const back = refundStep(s.algorithm, take.state, later, s.cost, end)
        if (later >= end) expect(back).toBeUndefined()
        else expect(back?.state[1]).toBe((take.state[1] as number) - s.cost)
      }),
      { numRuns: 1000 },
    )
  })
})
