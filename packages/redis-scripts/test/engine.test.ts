// The engine deciding many decisions in one call: in order, each atomic and all-or-nothing on its
// own, exactly as core's stepAll applied one decision after another; a failing decision (a key of
// another type) fails alone and writes nothing.
import {
  type Algorithm,
  type AlgorithmState,
  fixedWindow,
  gcra,
  type LimitDecision,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { type StoreRequest, stepAll } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import * as fc from 'fast-check'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { ENGINE_SCRIPT, engineCall, parseEngineReply, storeKeys } from '../src/index.ts'

const client = new Redis(inject('redisUrl'))
afterAll(() => client.quit())

const EPOCH = 1_700_000_000_000
const prefix = `rs-engine:${Math.random().toString(36).slice(2)}:`
let trace = 0

// A pool of limits, single and composite (two of one kind included), shared by the decisions of a
// trace so that they meet on the same counters.
const POOL: readonly (readonly Algorithm[])[] = (() => {
  const fw = fixedWindow({ limit: 4, window: 1000 })
  const sw = slidingWindow({ limit: 5, window: 800 })
  const tb = tokenBucket({ capacity: 3, refillRate: 2, refillInterval: 500 })
  const gc = gcra({ rate: 5, period: 1000, burst: 2 })
  const lb = leakyBucket({ capacity: 2, leakRate: 4 })
  const sl = slidingLog({ limit: 3, window: 600 })
  const fw2 = fixedWindow({ limit: 7, window: 3000 })
  return [[fw], [sw], [tb], [gc], [lb], [sl], [fw, gc], [tb, fw2, sl], [fw2, fw], [lb, sw]]
})()

interface Step {
  readonly user: number
  readonly limits: number
  readonly cost: number
  readonly consume: boolean
  readonly at: number
  readonly maxDelayMs: number | undefined
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  user: fc.integer({ min: 0, max: 2 }),
  limits: fc.integer({ min: 0, max: POOL.length - 1 }),
  cost: fc.integer({ min: 0, max: 3 }),
  consume: fc.boolean(),
  at: fc.integer({ min: 0, max: 1500 }),
  maxDelayMs: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined, freq: 3 }),
})

/** The requests of a trace: times ascend from EPOCH, some decisions share a millisecond. */
function requestsOf(steps: readonly Step[], id: number): StoreRequest[] {
  let now = EPOCH
  return steps.map((s) => {
    now += s.at % 3 === 0 ? 0 : s.at
    return {
      key: `t${id}:u${s.user}`,
      limits: POOL[s.limits] as readonly Algorithm[],
      cost: s.cost,
      consume: s.consume,
      now,
      maxDelayMs: s.maxDelayMs,
    }
  })
}

/** core's answer: each request stepped on the states the ones before it left, in order. */
function expected(requests: readonly StoreRequest[]): (readonly LimitDecision[])[] {
  const states = new Map<string, AlgorithmState>()
  return requests.map((request) => {
    const keys = storeKeys(prefix, request.key, request.limits)
    const result = stepAll(
      request.limits,
      keys.map((k) => states.get(k)),
      request.now as number,
      request.cost,
      request.consume,
      request.maxDelayMs,
    )
    result.writes.forEach((write, i) => {
      if (write === undefined) return
      if (write.ttlMs > 0) states.set(keys[i] as string, write.state)
      else states.delete(keys[i] as string)
    })
    return result.decisions
  })
}

async function decideAll(requests: readonly StoreRequest[]): Promise<(readonly LimitDecision[] | string)[]> {
  const decisions = requests.map((request) => ({
    request,
    keys: storeKeys(prefix, request.key, request.limits),
  }))
  const { keys, args } = engineCall(decisions, decisions.length, 'server')
  return parseEngineReply(await client.eval(ENGINE_SCRIPT.lua, keys.length, ...keys, ...args), decisions)
}

/** Runs a fresh trace of `steps` as several engine calls, cut at `cuts`, and compares it with core. */
async function splitTrace(steps: readonly Step[], cuts: readonly number[]): Promise<void> {
  const requests = requestsOf(steps, trace++)
  const bounds = [0, ...cuts.filter((c) => c < requests.length).sort((a, b) => a - b), requests.length]
  const outcomes: (readonly LimitDecision[] | string)[] = []
  for (let i = 1; i < bounds.length; i++) {
    const part = requests.slice(bounds[i - 1], bounds[i])
    if (part.length > 0) for (const outcome of await decideAll(part)) outcomes.push(outcome)
  }
  expect(outcomes).toStrictEqual(expected(requests))
}

describe('the engine decides a batch in order, like core one decision after another', () => {
  it('random traces of single and composite decisions on shared counters, in one call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        const requests = requestsOf(steps, trace++)
        expect(await decideAll(requests)).toStrictEqual(expected(requests))
      }),
      { numRuns: 100 },
    )
  })

  it('the same trace split into calls anywhere decides the same', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 2, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 29 }), { maxLength: 4 }),
        async (steps, cuts) => {
          // Separate calls are apart in real time, and Redis keeps a caller-timed state its TTL + 1 s
          // on its own clock: a run that failed after 900 ms may have met a stall, so it runs again
          // on fresh keys (3 runs at most). A wrong decision fails every run.
          for (let attempt = 1; ; attempt++) {
            const started = Date.now()
            try {
              await splitTrace(steps, cuts)
              return
            } catch (error) {
              if (attempt >= 3 || Date.now() - started <= 900) throw error
            }
          }
        },
      ),
      { numRuns: 50 },
    )
  })

  it("a decision on a key of another type fails alone, writes nothing, and the others' go on", async () => {
    const limits = [fixedWindow({ limit: 5, window: 1000 }), gcra({ rate: 5, period: 1000 })]
    const bad = { key: 'wrongtype', limits, cost: 1, consume: true, now: EPOCH }
    const [badFirst, badSecond] = storeKeys(prefix, bad.key, limits) as [string, string]
    // The second limit's key is a list: the composite must not write its first limit either.
    await client.rpush(badSecond, 'x')
    const good = (n: number) => ({
      key: `fine${n}`,
      limits: [limits[0] as Algorithm],
      cost: 1,
      consume: true,
      now: EPOCH,
    })
    const outcomes = await decideAll([good(1), bad, good(1), good(2)])
    expect(outcomes[1]).toMatch(/^WRONGTYPE/)
    expect(await client.exists(badFirst)).toBe(0)
    expect(outcomes[0]).toStrictEqual(
      stepAll([limits[0] as Algorithm], [undefined], EPOCH, 1, true).decisions,
    )
    expect((outcomes[2] as readonly LimitDecision[])[0]?.remaining).toBe(3)
    expect((outcomes[3] as readonly LimitDecision[])[0]?.remaining).toBe(4)
  })

  it('a slidingLog decision on a string key fails alone too', async () => {
    const log = slidingLog({ limit: 3, window: 1000 })
    const bad = { key: 'wrong-log', limits: [log], cost: 1, consume: true, now: EPOCH }
    await client.set(storeKeys(prefix, bad.key, [log])[0] as string, 'text')
    const ok = { ...bad, key: 'right-log' }
    const outcomes = await decideAll([bad, ok])
    expect(outcomes[0]).toMatch(/^WRONGTYPE/)
    expect(outcomes[1]).toStrictEqual(stepAll([log], [undefined], EPOCH, 1, true).decisions)
  })
})
