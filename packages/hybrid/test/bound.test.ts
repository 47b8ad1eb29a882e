// The over-admission bound, asserted: many simulated instances on one shared store, a controlled
// clock, random traffic. Over-admission ≤ instances × ceil(quota / instances) for every kind served.
import { type Algorithm, fixedWindow, slidingWindow, tokenBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type HybridStore, hybridStore } from '../src/index.ts'
import { type Admission, overAdmission } from './support/exact.ts'

const T0 = 1_700_000_000_000
const KEY = 'tenant:1'

const limitArb: fc.Arbitrary<Algorithm> = fc.oneof(
  fc
    .record({ limit: fc.integer({ min: 1, max: 40 }), window: fc.integer({ min: 50, max: 2000 }) })
    .map((o) => fixedWindow(o)),
  fc
    .record({ limit: fc.integer({ min: 1, max: 40 }), window: fc.integer({ min: 50, max: 2000 }) })
    .map((o) => slidingWindow(o)),
  fc
    .record({
      capacity: fc.integer({ min: 1, max: 40 }),
      refillRate: fc.integer({ min: 1, max: 20 }),
      refillInterval: fc.integer({ min: 50, max: 2000 }),
    })
    .map((o) => tokenBucket(o)),
)

const scenarioArb = fc
  .record({
    limit: limitArb,
    instances: fc.integer({ min: 1, max: 6 }),
    syncIntervalMs: fc.integer({ min: 1, max: 1000 }),
    syncEvery: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    // which configured instances carry traffic (at most `instances`: the bound's assumption)
    active: fc.integer({ min: 1, max: 6 }),
    steps: fc.array(
      fc.record({
        who: fc.nat(),
        // bursts (no time passes), busy traffic, and pauses long enough for windows to turn
        dt: fc.oneof(
          { arbitrary: fc.constant(0), weight: 3 },
          { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 3 },
          { arbitrary: fc.integer({ min: 0, max: 800 }), weight: 1 },
        ),
        cost: fc.integer({ min: 1, max: 3 }),
      }),
      { minLength: 1, maxLength: 150 },
    ),
  })
  .map((s) => ({ ...s, active: Math.min(s.active, s.instances) }))

/** Lets background merges on the memory store settle: the simulated network has no latency. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never

/** Runs one scenario, asserts the bound, and answers the over-admission seen. */
async function check(s: Scenario): Promise<number> {
  const shared = memoryStore()
  let now = T0
  const nodes: HybridStore[] = []
  for (let i = 0; i < s.active; i++) {
    nodes.push(
      hybridStore({
        store: shared,
        instances: s.instances,
        syncIntervalMs: s.syncIntervalMs,
        syncEvery: s.syncEvery,
        clock: () => now,
        timer: false,
      }),
    )
  }
  const admitted: Admission[] = []
  for (const step of s.steps) {
    now += step.dt
    const node = nodes[step.who % nodes.length] as HybridStore
    const cost = Math.min(step.cost, s.limit.maxCost)
    const [d] = await node.apply({ key: KEY, limits: [s.limit], cost, consume: true, now })
    if (d?.allowed) admitted.push({ at: now, cost })
    await settle()
  }
  const quota = s.limit.limit
  const bound = s.active * Math.ceil(quota / s.instances)
  const over = overAdmission(s.limit, admitted)
  expect(over).toBeLessThanOrEqual(bound)
  await Promise.all(nodes.map((n) => n.close()))
  return over
}

describe('hybridStore over-admission bound', () => {
  it('stays within active × ceil(quota / instances) for fixed window, sliding window and token bucket', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => check(s).then(() => undefined)),
      { numRuns: 60 },
    )
  })

  it('never over-admits with one instance configured and running', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const over = await check({ ...s, instances: 1, active: 1 })
        expect(over).toBeLessThanOrEqual(0)
      }),
      { numRuns: 30 },
    )
  })
})

describe('hybridStore worst case', () => {
  it('comes near the bound when the other instances hold unmerged shares for the whole window', async () => {
    const shared = memoryStore()
    const limit = fixedWindow({ limit: 100, window: '1h' })
    const clock = () => T0
    const nodes = [0, 1, 2, 3].map(() =>
      hybridStore({ store: shared, instances: 4, syncIntervalMs: '1h', clock, timer: false }),
    )
    let admitted = 0
    const take = async (node: HybridStore) => {
      const [d] = await node.apply({ key: KEY, limits: [limit], cost: 1, consume: true, now: T0 })
      if (d?.allowed) admitted += 1
      return d?.allowed === true
    }
    // each instance learns the counter (one forwarded call) and gets a share of about a quarter
    for (const node of nodes) await take(node)
    // three spend their share and sync no more this window; the fourth drains the rest, renewing
    for (const node of nodes.slice(0, 3)) while (await take(node)) {}
    while (await take(nodes[3] as HybridStore)) {}
    const bound = 4 * Math.ceil(100 / 4)
    expect(admitted - 100).toBeGreaterThan(50)
    expect(admitted - 100).toBeLessThanOrEqual(bound)
  })
})
