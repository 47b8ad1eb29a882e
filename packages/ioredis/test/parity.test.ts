import {
  type Algorithm,
  createRateLimiter,
  type Decision,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { clusterClient, randomPrefix, redisClient } from './support/clients.ts'
import { referenceStore } from './support/reference.ts'

// Random traces through the Lua (via the store) and through core's stepAll on a reference Map:
// identical decisions at every step. Composites, costs 0..max, peeks, resets, and time steps
// that are 0, 1 ms, random, or land exactly on (or 1 ms before) a limit's boundary.

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

type Advance = { by: 'ms'; ms: number } | { by: 'boundary'; limit: number; early: boolean } | { by: 'wait' }
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
const opArb = fc.record({
  op: fc.constantFrom('limit', 'limit', 'limit', 'peek', 'reset'),
  key: fc.constantFrom('a', 'b{x}%'),
  cost: fc.nat(12),
  advance: advanceArb,
})
const traceArb = fc.record({
  offset: fc.integer({ min: 0, max: 200_000 }),
  limits: limitsArb,
  ops: fc.array(opArb, { minLength: 1, maxLength: 30 }),
})

/** How far to move the clock: plain ms, to a window boundary (or 1 ms before), or by the last wait. */
function advanceBy(
  advance: Advance,
  limits: readonly Algorithm[],
  now: number,
  last: Decision | undefined,
): number {
  if (advance.by === 'ms') return advance.ms
  if (advance.by === 'wait')
    return last === undefined ? 0 : last.allowed ? last.resetAfterMs : last.retryAfterMs
  const limit = limits[advance.limit % limits.length] as Algorithm
  const w = limit.windowMs
  const toBoundary = w - (now % w)
  return advance.early ? toBoundary - 1 : toBoundary
}

type Trace = typeof traceArb extends fc.Arbitrary<infer T> ? T : never

async function runTrace(client: Parameters<typeof ioredisStore>[0]['client'], trace: Trace) {
  const { limits, ops } = trace
  let now = EPOCH + trace.offset
  const clock = () => now
  const algorithm = limits.length === 1 ? (limits[0] as Algorithm) : limits
  const prefix = randomPrefix('parity')
  const actual = createRateLimiter({ store: ioredisStore({ client, prefix }), algorithm, clock })
  const expected = createRateLimiter({ store: referenceStore(), algorithm, clock })
  const maxCost = Math.min(...limits.map((l) => l.maxCost))
  let last: Decision | undefined
  for (const [i, step] of ops.entries()) {
    now += advanceBy(step.advance, limits, now, last)
    if (step.op === 'reset') {
      await Promise.all([actual.reset(step.key), expected.reset(step.key)])
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
  }
}

const redis = redisClient()
const cluster = clusterClient({ enableAutoPipelining: true })

describe('parity of the Lua twins with core, through the store', () => {
  it('on Redis', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, (trace) => runTrace(redis, trace)),
      { numRuns: 120 },
    )
  }, 60_000)

  it('on the Cluster, auto-pipelined', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, (trace) => runTrace(cluster, trace)),
      { numRuns: 60 },
    )
  }, 60_000)
})
