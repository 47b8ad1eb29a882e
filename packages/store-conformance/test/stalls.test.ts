// A stalled machine lets a real-time TTL lapse under a controlled clock: shown on a model of Redis, and rerun by despiteStalls.
import { type AlgorithmState, createRateLimiter } from '@sluice/core'
import { ALGORITHM_KINDS, type Store, stepAll } from '@sluice/core/store'
import { describe, expect, it } from 'vitest'
import type { LimitSpec, Operation } from '../src/arbitraries.ts'
import type { Harness } from '../src/harness.ts'
import { runTrace } from '../src/parity.ts'
import { despiteStalls, STALL_MS } from '../src/stalls.ts'

/** Redis's grace for a caller-timed state (redis-scripts: TTL + 1 s, counted on the server's clock). */
const GRACE_MS = 1000

/**
 * The reference model plus what Redis adds: a state also lapses `ttlMs + GRACE_MS` after its write
 * on `real`, the server's clock. `stallAt(call)` says how far real time jumps before a call.
 */
function redisLikeStore(real: { now: number }, stallAt: (call: number) => number): Store {
  const states = new Map<string, { state: AlgorithmState; expiresAt: number; lapsesAt: number }>()
  let calls = 0
  return {
    name: 'redis-like',
    capabilities: { algorithms: ALGORITHM_KINDS, composite: true },
    async apply({ key, limits, cost, consume, now = real.now, maxDelayMs }) {
      real.now += stallAt(calls++)
      const ids = limits.map((limit) => `${key}:${limit.id}`)
      const read = (id: string) => {
        const entry = states.get(id)
        return entry !== undefined && now < entry.expiresAt && real.now < entry.lapsesAt
          ? entry.state
          : undefined
      }
      const result = stepAll(limits, ids.map(read), now, cost, consume, maxDelayMs)
      result.writes.forEach((w, i) => {
        if (w === undefined) return
        const entry = { state: w.state, expiresAt: now + w.ttlMs, lapsesAt: real.now + w.ttlMs + GRACE_MS }
        states.set(ids[i] as string, entry)
      })
      return result.decisions
    },
    async reset(key, limits) {
      for (const limit of limits) states.delete(`${key}:${limit.id}`)
    },
  }
}

/** Just enough of the suite's harness for `runTrace`, over one store. */
function harnessOver(store: Store): Harness {
  return {
    controlled: true,
    store: () => store,
    limiter: (algorithm, setup = {}) =>
      createRateLimiter({
        store,
        algorithm,
        prefix: setup.prefix ?? 'p',
        denyCache: false,
        ...(setup.clock ? { clock: setup.clock.read } : {}),
      }),
    test: () => {},
    property: () => {},
  }
}

// A 1 ms sliding log, used up, then asked again at the same instant: its state has a 1 ms TTL.
const spec: LimitSpec = { kind: 'slidingLog', limit: 1, window: 1 }
const limit: Operation = {
  advance: { by: 'ms', ms: 0 },
  op: 'limit',
  key: 0,
  cost: 1,
  maxDelayMs: undefined,
  pick: 0,
}
const trace = { offset: 0, operations: [limit, limit] }
const STALL = GRACE_MS + 100

describe('a stall under a controlled clock', () => {
  it('without one, the Redis model agrees with the reference', async () => {
    const real = { now: 0 }
    await runTrace(harnessOver(redisLikeStore(real, () => 0)), [spec], trace, false)
  })

  it('a stall past TTL + grace between two calls makes the Redis model disagree (what a rerun must absorb)', async () => {
    const real = { now: 0 }
    const store = redisLikeStore(real, (call) => (call === 1 ? STALL : 0))
    await expect(runTrace(harnessOver(store), [spec], trace, false)).rejects.toThrow(/step 1/)
  })

  it('despiteStalls reruns a run that failed after a stall; the prompt rerun agrees', async () => {
    const real = { now: 0 }
    let runs = 0
    await despiteStalls(
      () => {
        runs++
        // A fresh store per run, like the fresh prefix of each rerun: only the first one stalls.
        const store = redisLikeStore(real, (call) => (runs === 1 && call === 1 ? STALL : 0))
        return runTrace(harnessOver(store), [spec], trace, false)
      },
      { realClock: () => real.now },
    )
    expect(runs).toBe(2)
  })

  it('a failure in a run shorter than STALL_MS is thrown at once, with no rerun', async () => {
    let runs = 0
    const real = { now: 0 }
    const wrong = async () => {
      runs++
      real.now += STALL_MS
      throw new Error('decided wrongly')
    }
    await expect(despiteStalls(wrong, { realClock: () => real.now })).rejects.toThrow('decided wrongly')
    expect(runs).toBe(1)
  })

  it('a failure that follows a stall in every run is thrown after the last attempt', async () => {
    const real = { now: 0 }
    let runs = 0
    const stalled = async () => {
      runs++
      real.now += STALL
      throw new Error(`run ${runs} failed`)
    }
    await expect(despiteStalls(stalled, { realClock: () => real.now, attempts: 3 })).rejects.toThrow(
      'run 3 failed',
    )
    expect(runs).toBe(3)
  })

  it('a run that passes is run once, however long it took', async () => {
    const real = { now: 0 }
    let runs = 0
    await despiteStalls(
      async () => {
        runs++
        real.now += 10 * STALL
      },
      { realClock: () => real.now },
    )
    expect(runs).toBe(1)
  })
})
