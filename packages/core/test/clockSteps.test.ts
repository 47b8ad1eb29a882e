import { describe, expect, it } from 'vitest'
import { type AlgorithmState, fixedWindow, slidingLog, slidingWindow } from '../src/index.ts'

// Clocks of different processes disagree, and a clock can step back: counts must never reset.
describe('a clock that steps back', () => {
  it('fixedWindow keeps counting in the later window instead of starting a fresh one', () => {
    const a = fixedWindow({ limit: 2, window: 1000 })
    let state: AlgorithmState | undefined
    for (const now of [1500, 1600]) state = a.step(state, now, 1).state
    const back = a.step(state, 999, 1).decision
    expect(back).toMatchObject({ allowed: false, remaining: 0, resetAfterMs: 1001 })
  })

  it('slidingWindow keeps counting in the later window', () => {
    const a = slidingWindow({ limit: 2, window: 1000 })
    let state: AlgorithmState | undefined
    for (const now of [1500, 1600]) state = a.step(state, now, 1).state
    expect(a.step(state, 900, 1).decision.allowed).toBe(false)
  })

  it('slidingLog keeps its log in time order', () => {
    const a = slidingLog({ limit: 3, window: 1000 })
    let state: AlgorithmState | undefined
    for (const now of [500, 400, 450]) state = a.step(state, now, 1).state
    expect(state).toEqual([400, 450, 500])
    // The oldest entry (400) is the first to leave: at 1400 one unit is free again.
    expect(a.step(state, 1399, 1).decision.allowed).toBe(false)
    expect(a.step(state, 1400, 1).decision.allowed).toBe(true)
  })
})
