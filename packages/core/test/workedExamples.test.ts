import { describe, expect, it } from 'vitest'
import type { Algorithm, AlgorithmState } from '../src/index.ts'
import { fixedWindow, gcra, leakyBucket } from '../src/index.ts'

/** Runs calls through the pure step function, keeping state as a store would (writes only when admitted). */
function run(algorithm: Algorithm, times: readonly number[]) {
  let state: AlgorithmState | undefined
  return times.map((now) => {
    const r = algorithm.step(state, now, 1)
    if (r.decision.allowed) state = r.state
    return r.decision
  })
}

describe('worked examples of algorithms.md, on the reference step functions', () => {
  it('fixedWindow({ limit: 3, window: 1000 })', () => {
    const d = run(fixedWindow({ limit: 3, window: 1000 }), [0, 100, 200, 300, 1000])
    expect(d.map((x) => x.allowed)).toEqual([true, true, true, false, true])
    expect(d[3]?.retryAfterMs).toBe(700)
    expect(d[4]?.remaining).toBe(2)
  })
  it("gcra({ rate: 30, period: '1m', burst: 16 })", () => {
    const [first] = run(gcra({ rate: 30, period: '1m', burst: 16 }), [0])
    expect(first).toMatchObject({ allowed: true, limit: 16, remaining: 15, resetAfterMs: 2000 })
  })
  it('leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 })', () => {
    const d = run(leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 }), [0, 0, 0, 0])
    expect(d.slice(0, 3).map((x) => x.delayMs)).toEqual([0, 1000, 2000])
    expect(d[3]?.allowed).toBe(false)
  })
})
