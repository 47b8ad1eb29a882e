import { describe, expect, it } from 'vitest'
import { type AlgorithmState, fixedWindow, gcra, leakyBucket, slidingLog, tokenBucket } from '../src/index.ts'
import { Key, KINDS, tenPerTenSeconds } from './clocks.ts'

// Clocks of different callers disagree and a clock can step back: a state's time never moves
// back, and a request from a lagging clock is judged at the time the state holds.

/** 2023-11-14T22:13:20Z: aligned to 10 s windows and to minutes. */
const T0 = 1_700_000_000_000
const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('two callers whose clocks are minutes apart, interleaved', () => {
  for (const kind of KINDS) {
    it(`${kind}: admit no more than one honest clock does over the same minute`, () => {
      const algorithm = tenPerTenSeconds(kind)
      const skewed = new Key(algorithm)
      const honest = new Key(algorithm)
      let admittedSkewed = 0
      let admittedHonest = 0
      // Every 50 ms for a minute, alternately a caller with the true time and one 3 minutes behind.
      for (let i = 0; i < 1200; i++) {
        const now = T0 + 50 * i
        if (skewed.take(i % 2 === 0 ? now : now - 3 * MINUTE)) admittedSkewed++
        if (honest.take(now)) admittedHonest++
      }
      // One clock over [T0, T0 + 59 950 ms]: 10 at once, then one per second (buckets) or 10 in
      // each of six windows (the sliding window counter, an estimate, may admit fewer; concurrency
      // leases of 10 s, never released, are the sliding log's entries).
      const windowed = ['fixedWindow', 'slidingLog', 'slidingWindow', 'concurrency']
      const most = windowed.includes(kind) ? 60 : 69
      if (kind === 'slidingWindow') expect(admittedHonest).toBeLessThanOrEqual(most)
      else expect(admittedHonest).toBe(most)
      expect(admittedSkewed).toBeLessThanOrEqual(admittedHonest)
    })
  }
})

describe('a request from a lagging clock is judged at the stored time', () => {
  it('tokenBucket: a lagging caller cannot move the refill time back, so nothing refills for it', () => {
    const bucket = new Key(tokenBucket({ capacity: 10, refillRate: 1 }))
    expect(bucket.takeAll(T0, 10)).toBe(10)
    const lagging = tokenBucket({ capacity: 10, refillRate: 1 }).step(bucket.state, T0 - 3 * MINUTE, 1)
    // Judged at T0: empty, one token a second from T0. Written back: T0, never the lagging time.
    expect(lagging.decision).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 })
    expect(lagging.state[1]).toBe(T0)
    expect(bucket.take(T0 - 3 * MINUTE + 1000)).toBe(false)
    expect(bucket.take(T0 + 1000)).toBe(true)
    expect(bucket.state?.[1]).toBe(T0 + 1000)
  })

  it('fixedWindow counts a lagging request in the stored window, with numbers from its start', () => {
    const a = fixedWindow({ limit: 2, window: 1000 })
    let state: AlgorithmState | undefined
    for (const now of [1500, 1600]) state = a.step(state, now, 1).state
    const back = a.step(state, 999, 1)
    expect(back.decision).toMatchObject({
      allowed: false,
      remaining: 0,
      resetAfterMs: 1000,
      retryAfterMs: 1000,
    })
    // The state matters until 2000: 1001 ms on the lagging caller's clock.
    expect(back.ttlMs).toBe(1001)
    expect(back.state).toEqual([1000, 2])
  })

  it('slidingLog logs a lagging request at its newest entry, so the log stays ascending', () => {
    const a = slidingLog({ limit: 3, window: 1000 })
    let state: AlgorithmState | undefined
    for (const now of [500, 400, 450]) state = a.step(state, now, 1).state
    expect(state).toEqual([500, 500, 500])
    // All three leave together at 1500, on any clock.
    expect(a.step(state, 1499, 1).decision.allowed).toBe(false)
    expect(a.step(state, 1500, 1).decision.allowed).toBe(true)
    // A clock behind the newest entry is judged at it: one window from there.
    expect(a.step(state, 300, 1).decision).toMatchObject({ allowed: false, retryAfterMs: 1000 })
  })

  it('gcra judges a lagging caller at the latest admitted write, not its lag behind the TAT', () => {
    const a = gcra({ rate: 1, period: '1s', burst: 10 })
    const key = new Key(a)
    expect(key.takeAll(T0, 5)).toBe(5)
    expect(key.state).toEqual([T0 + 5000, 0, T0])
    // 3 minutes behind: as if at T0, so 5 of the burst are left (judged at its own clock, never).
    const lagging = a.step(key.state, T0 - 3 * MINUTE, 1)
    expect(lagging.decision).toMatchObject({ allowed: true, remaining: 4, resetAfterMs: 6000 })
    expect(lagging.state).toEqual([T0 + 6000, 0, T0])
  })

  it('leakyBucket holds a lagging request for its turn only, not its lag on top', () => {
    const a = leakyBucket({ capacity: 2, leakRate: 1, leakInterval: 1000 })
    const key = new Key(a)
    expect(key.take(T0)).toBe(true)
    const lagging = a.step(key.state, T0 - MINUTE, 1)
    expect(lagging.decision).toMatchObject({ allowed: true, delayMs: 1000 })
  })

  it('a gcra state written without seenMs (before it was kept) is judged at the caller clock, and gains it', () => {
    const a = gcra({ rate: 1, period: '1s', burst: 10 })
    const old: AlgorithmState = [T0 + 5000, 0]
    // No floor: 3 minutes behind, the TAT is 185 s ahead, past the burst: refused, as before.
    expect(a.step(old, T0 - 3 * MINUTE, 1).decision.allowed).toBe(false)
    const honest = a.step(old, T0, 1)
    expect(honest.decision).toMatchObject({ allowed: true, remaining: 4 })
    expect(honest.state).toEqual([T0 + 6000, 0, T0])
  })
})

describe('the residual: a fresh key holds no time, so a lagging caller that reaches it first sets its own', () => {
  for (const kind of KINDS) {
    it(`${kind}: one limit extra per fresh start for each slower clock that comes first, then nothing more`, () => {
      const algorithm = tenPerTenSeconds(kind)
      const key = new Key(algorithm)
      // An hour behind, first on a fresh key: the whole limit, in its own (old) time.
      expect(key.takeAll(T0 - HOUR, 10)).toBe(10)
      // A minute behind: the old time has long passed for it, so another limit; then the true clock.
      expect(key.takeAll(T0 - MINUTE, 10)).toBe(10)
      expect(key.takeAll(T0, 10)).toBe(10)
      // From here the key holds T0: over the next 5 s the three clocks together admit no more than
      // the true clock alone would after its 10.
      const alone = new Key(algorithm)
      alone.takeAll(T0, 10)
      let together = 0
      let honest = 0
      const lags = [HOUR, MINUTE, 0] as const
      for (let i = 1; i <= 300; i++) {
        const now = T0 + 50 * Math.ceil(i / 3)
        if (key.take(now - (lags[i % 3] as number))) together++
        if (alone.take(now)) honest++
      }
      expect(together).toBeLessThanOrEqual(honest)
    })
  }

  it('fixedWindow on a store that drops a state at its TTL: a lagging caller first after a boundary gets one limit more in that window', () => {
    const algorithm = fixedWindow({ limit: 5, window: '10s' })
    // The store's clock is the true one; each state is dropped once its TTL has passed on it.
    let stored: { state: AlgorithmState; until: number } | undefined
    const take = (trueNow: number, lag: number): boolean => {
      const state = stored !== undefined && trueNow < stored.until ? stored.state : undefined
      const r = algorithm.step(state, trueNow - lag, 1)
      if (r.decision.allowed) stored = { state: r.state, until: trueNow + r.ttlMs }
      return r.decision.allowed
    }
    const perWindow: number[] = []
    for (let window = 0; window < 4; window++) {
      const start = T0 + 10_000 * window
      let admitted = 0
      // A minute behind, right after the boundary: the state expired with the window, so it
      // counts in its own window; then the true clock opens the new one with a fresh count.
      for (let i = 0; i < 10; i++) if (take(start + 100 + i, MINUTE)) admitted++
      for (let i = 0; i < 10; i++) if (take(start + 200 + i, 0)) admitted++
      // Once the true clock has written this window, the lagging caller counts in it: refused.
      for (let i = 0; i < 10; i++) if (take(start + 300 + i, MINUTE)) admitted++
      perWindow.push(admitted)
    }
    expect(perWindow).toEqual([10, 10, 10, 10])
  })
})
