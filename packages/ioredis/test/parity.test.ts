import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  type Store,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { storeKeys } from '@sluice/redis-scripts'
import { referenceStore } from '@sluice/store-conformance'
import * as fc from 'fast-check'
import type { Cluster, Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'

// A store deadline far above any stall of a loaded machine: these tests are not about deadlines.
const SLOW_MACHINE_MS = 20_000

// Random traces through the Lua (via the store) and through core's stepAll on a reference Map:
// identical decisions at every step. Composites, costs 0..max, peeks, resets, refunds (of earlier
// decisions and by key), and time steps
// that are 0, 1 ms, random, or land exactly on (or 1 ms before) a limit's boundary; in a second
// property the clock also steps back, so states hold times ahead of the caller's.

const EPOCH = 1_700_000_000_000
const windowArb = fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constantFrom(1, 7, 250, 1000, 60_000))
const small = fc.integer({ min: 1, max: 12 })
const rateArb = fc.oneof(small, fc.constantFrom(0.2, 0.25, 1 / 3, 1.5, 2.5))

const limitArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc.record({ limit: small, window: windowArb }).map(fixedWindow),
  fc.record({ limit: small, window: windowArb }).map(slidingLog),
  fc.record({ limit: small, window: windowArb }).map(slidingWindow),
  fc.record({ capacity: small, refillRate: rateArb, refillInterval: windowArb }).map(tokenBucket),
  fc.record({ rate: small, period: windowArb, burst: small }).map(gcra),
  fc.record({ capacity: small, leakRate: rateArb, leakInterval: windowArb }).map(leakyBucket),
)
const limitsArb = fc.uniqueArray(limitArb, { minLength: 1, maxLength: 3, selector: (l) => l.id })

type Advance =
  | { by: 'ms'; ms: number }
  | { by: 'boundary'; limit: number; early: boolean }
  | { by: 'wait' }
  | { by: 'back'; ms: number }
const advanceArb: fc.Arbitrary<Advance> = fc.oneof(
  { arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.constantFrom(0, 0, 1) }), weight: 3 },
  {
    arbitrary: fc.record({ by: fc.constant('ms' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ by: fc.constant('boundary' as const), limit: fc.nat(2), early: fc.boolean() }),
    weight: 2,
  },
  { arbitrary: fc.constant({ by: 'wait' as const }), weight: 1 },
)
/** A caller whose clock lags: a second behind up to an hour. */
const backArb: fc.Arbitrary<Advance> = fc.record({
  by: fc.constant('back' as const),
  ms: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(60_000, 3_600_000)),
})
const opArbWith = (advance: fc.Arbitrary<Advance>) =>
  fc.record({
    // refund: an earlier limit decision of the key (`pick` back from the latest); refundKey: by key.
    op: fc.constantFrom('limit', 'limit', 'limit', 'peek', 'reset', 'refund', 'refundKey'),
    pick: fc.nat(3),
    key: fc.constantFrom('a', 'b{x}%'),
    cost: fc.nat(12),
    advance,
  })
const traceArbWith = (advance: fc.Arbitrary<Advance>) =>
  fc.record({
    offset: fc.integer({ min: 0, max: 200_000 }),
    limits: limitsArb,
    ops: fc.array(opArbWith(advance), { minLength: 1, maxLength: 30 }),
  })
const traceArb = traceArbWith(advanceArb)
const skewedTraceArb = traceArbWith(fc.oneof(advanceArb, backArb))

/** How far to move the clock: plain ms, to a window boundary (or 1 ms before), or by the last wait. */
function advanceBy(
  advance: Advance,
  limits: readonly Algorithm[],
  now: number,
  last: Decision | undefined,
): number {
  if (advance.by === 'ms') return advance.ms
  if (advance.by === 'back') return -advance.ms
  if (advance.by === 'wait')
    return last === undefined ? 0 : last.allowed ? last.resetAfterMs : last.retryAfterMs
  const limit = limits[advance.limit % limits.length] as Algorithm
  const w = limit.windowMs
  const toBoundary = w - (now % w)
  return advance.early ? toBoundary - 1 : toBoundary
}

type Trace = typeof traceArb extends fc.Arbitrary<infer T> ? T : never

type Client = Redis | Cluster

/**
 * The store, with every key it touched made persistent after each call. Redis expires keys on its
 * own clock, the trace runs on a simulated one: once the clock steps back, or when the machine
 * stalls for longer than a state's TTL + 1 s grace between two steps, a state that Redis let
 * expire in real time could still matter to the reference (which keeps states by the trace's
 * clock). Expiry itself is checked in redis-scripts' lua.test.ts and the conformance suite.
 */
function persistingStore(client: Client, prefix: string): Store {
  const store = ioredisStore({ client, prefix, timeoutMs: SLOW_MACHINE_MS })
  return {
    name: store.name,
    capabilities: store.capabilities,
    async apply(request) {
      const decisions = await store.apply(request)
      for (const key of storeKeys(prefix, request.key, request.limits)) await client.persist(key)
      return decisions
    },
    async refund(request) {
      await store.refund?.(request)
      for (const key of storeKeys(prefix, request.key, request.limits)) await client.persist(key)
    },
    reset: (key, limits) => store.reset(key, limits),
  }
}

async function runTrace(client: Client, trace: Trace) {
  const { limits, ops } = trace
  let now = EPOCH + trace.offset
  const clock = () => now
  const algorithm = limits.length === 1 ? (limits[0] as Algorithm) : limits
  const prefix = randomPrefix('parity')
  const store = persistingStore(client, prefix)
  const actual = createRateLimiter({ store, algorithm, clock })
  const expected = createRateLimiter({ store: referenceStore(), algorithm, clock })
  const maxCost = limits.reduce((most, l) => Math.min(most, l.maxCost), Number.POSITIVE_INFINITY)
  let last: Decision | undefined
  // Each key's limit decisions on both sides, latest last, for refund steps.
  const taken = new Map<string, [Decision, Decision][]>()
  for (const [i, step] of ops.entries()) {
    now += advanceBy(step.advance, limits, now, last)
    if (step.op === 'reset') {
      await Promise.all([actual.reset(step.key), expected.reset(step.key)])
      continue
    }
    if (step.op === 'refundKey') {
      const cost = 1 + (step.cost % maxCost)
      expect(await actual.refund(step.key, { cost })).toBe(await expected.refund(step.key, { cost }))
      continue
    }
    if (step.op === 'refund') {
      const mine = taken.get(step.key) ?? []
      if (mine.length === 0) continue
      const [got, want] = mine[mine.length - 1 - (step.pick % mine.length)] as [Decision, Decision]
      expect(await got.refund?.(), `step ${i}: refund`).toBe(await want.refund?.())
      continue
    }
    const cost = step.cost % (maxCost + 1)
    const want = await expected[step.op as 'limit' | 'peek'](step.key, { cost })
    const got = await actual[step.op as 'limit' | 'peek'](step.key, { cost })
    expect(
      got,
      `step ${i}: ${step.op}(${step.key}, cost ${cost}) at +${now - EPOCH - trace.offset} ms`,
    ).toStrictEqual(want)
    last = want
    if (step.op === 'limit') taken.set(step.key, (taken.get(step.key) ?? []).concat([[got, want]]))
  }
}

const redis = redisClient()
const cluster = clusterClient({ enableAutoPipelining: true })

describe('parity of the Lua twins with core, through the store', () => {
  it('a sliding log refund by key from a lagging caller (a state ahead of its clock) matches core', async () => {
    const step = (op: string, advance: Advance) => ({ op, key: 'a', cost: 0, pick: 0, advance })
    // Entries at +300 and +1400 (which pruned +300); a caller at +1000 refunds the newest, then peeks.
    const trace = {
      offset: 0,
      limits: [slidingLog({ limit: 3, window: 1000 })],
      ops: [
        step('limit', { by: 'ms', ms: 300 }),
        step('limit', { by: 'ms', ms: 1100 }),
        step('refundKey', { by: 'back', ms: 400 }),
        step('peek', { by: 'ms', ms: 0 }),
      ],
    } as unknown as Trace
    await runTrace(redis, trace)
  }, 60_000)

  it('on Redis', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, (trace) => runTrace(redis, trace)),
      { numRuns: 120 },
    )
  }, 120_000)

  it('on the Cluster, auto-pipelined', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, (trace) => runTrace(cluster, trace)),
      { numRuns: 60 },
    )
  }, 120_000)

  it('on Redis, with a clock that also steps back by up to an hour (states ahead of the caller)', async () => {
    await fc.assert(
      fc.asyncProperty(skewedTraceArb, (trace) => runTrace(redis, trace)),
      { numRuns: 120 },
    )
  }, 120_000)

  it('on the Cluster, with a clock that also steps back', async () => {
    await fc.assert(
      fc.asyncProperty(skewedTraceArb, (trace) => runTrace(cluster, trace)),
      { numRuns: 60 },
    )
  }, 120_000)
})
