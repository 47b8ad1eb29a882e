// fixedWindow's align option: validation, identity, and the first-request semantics against a model of the peers'.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AlgorithmState, ConfigError, fixedWindow } from '../src/index.ts'

const NOON = Date.UTC(2026, 11, 3, 12, 0, 0)

describe('fixedWindow align: options', () => {
  it("defaults to 'epoch' and keeps the epoch limit's id and name (no stored counter moves)", () => {
    const plain = fixedWindow({ limit: 3, window: 1000 })
    expect(plain.params).toEqual({ limit: 3, windowMs: 1000, align: 'epoch' })
    expect(plain.id).toBe('fw:3:1000')
    expect(plain.name).toBe('fixedWindow:3/1s')
    const epoch = fixedWindow({ limit: 3, window: 1000, align: 'epoch' })
    expect([epoch.id, epoch.name]).toEqual([plain.id, plain.name])
  })

  it("gives 'first-request' its own id and default name, so the two never share a counter or a header", () => {
    const first = fixedWindow({ limit: 3, window: 1000, align: 'first-request' })
    expect(first.params).toEqual({ limit: 3, windowMs: 1000, align: 'first-request' })
    expect(first.id).toBe('fw:3:1000:first')
    expect(first.name).toBe('fixedWindow:3/1s:first-request')
    expect(fixedWindow({ limit: 3, window: 1000, align: 'first-request', name: 'api' }).name).toBe('api')
  })

  it.each([['First-Request'], ['first'], ['firstRequest'], [''], [null], [1], [true]])(
    'refuses align %j with a ConfigError naming the option and both values',
    (align) => {
      const make = () => fixedWindow({ limit: 3, window: 1000, align: align as never })
      expect(make).toThrow(ConfigError)
      expect(make).toThrow(/^fixedWindow: align must be 'epoch' .* or 'first-request' .*, got /)
    },
  )

  it('suggests align for a misspelt option', () => {
    expect(() => fixedWindow({ limit: 3, window: 1000, allign: 'epoch' } as never)).toThrow(
      /unknown option "allign"; did you mean "align"\?/,
    )
  })
})

/** Steps `times` (cost 1 each unless given) keeping state as a store does: written when admitted with a cost. */
function run(align: 'epoch' | 'first-request', calls: readonly (readonly [number, number?])[]) {
  const algorithm = fixedWindow({ limit: 2, window: '1m', align })
  let state: AlgorithmState | undefined
  return calls.map(([now, cost = 1]) => {
    const r = algorithm.step(state, now, cost)
    if (r.decision.allowed && cost > 0) state = r.state
    return [r.decision.allowed, r.decision.remaining, r.decision.resetAfterMs, r.ttlMs]
  })
}

describe("fixedWindow align: 'first-request' (reference step)", () => {
  it('the worked example: first request at 12:00:14 → window 12:00:14–12:01:14', () => {
    const s = 1000
    expect(
      run('first-request', [[NOON + 14 * s], [NOON + 60 * s], [NOON + 73 * s], [NOON + 74 * s]]),
    ).toEqual([
      [true, 1, 60 * s, 60 * s],
      [true, 0, 14 * s, 14 * s],
      [false, 0, 1 * s, 1 * s],
      [true, 1, 60 * s, 60 * s],
    ])
    // The same calls epoch-aligned: 12:01:00 is a boundary, and the first window lasted 46 s.
    expect(run('epoch', [[NOON + 14 * s], [NOON + 60 * s], [NOON + 73 * s], [NOON + 74 * s]])).toEqual([
      [true, 1, 46 * s, 46 * s],
      [true, 1, 60 * s, 60 * s],
      [true, 0, 47 * s, 47 * s],
      [false, 0, 46 * s, 46 * s],
    ])
  })

  it('a peek on a fresh or ended window starts none: it reports a full window from now and writes nothing', () => {
    const algorithm = fixedWindow({ limit: 2, window: 1000, align: 'first-request' })
    const fresh = algorithm.step(undefined, NOON + 5, 0)
    expect(fresh.decision).toMatchObject({ allowed: true, remaining: 2, resetAfterMs: 1000 })
    const ended = algorithm.step([NOON - 1000, 2], NOON, 0)
    expect(ended.decision).toMatchObject({ allowed: true, remaining: 2, resetAfterMs: 1000 })
    // The first counted request afterwards starts its window at its own time.
    expect(algorithm.step([NOON - 1000, 2], NOON + 300, 1).state).toEqual([NOON + 300, 1])
  })

  it('a caller whose clock lags the stored start counts in that window, judged at its start', () => {
    const algorithm = fixedWindow({ limit: 2, window: 1000, align: 'first-request' })
    const r = algorithm.step([NOON + 500, 1], NOON, 1)
    expect(r.state).toEqual([NOON + 500, 2])
    expect(r.decision).toMatchObject({ allowed: true, remaining: 0, resetAfterMs: 1000 })
    expect(r.ttlMs).toBe(1500)
  })

  it('decides like a model of the peers (a window per key from its first counted request) on random traces', () => {
    const arb = fc.record({
      limit: fc.integer({ min: 1, max: 6 }),
      windowMs: fc.integer({ min: 1, max: 3000 }),
      calls: fc.array(
        fc.record({ dt: fc.integer({ min: 0, max: 1500 }), cost: fc.integer({ min: 0, max: 6 }) }),
        { maxLength: 40 },
      ),
    })
    fc.assert(
      fc.property(arb, ({ limit, windowMs, calls }) => {
        const algorithm = fixedWindow({ limit, window: windowMs, align: 'first-request' })
        let state: AlgorithmState | undefined
        // The model: express-rate-limit's store, a count and a reset time per key.
        let model: { count: number; resetAt: number } | undefined
        let now = NOON
        for (const { dt, cost: raw } of calls) {
          now += dt
          const cost = Math.min(raw, limit)
          if (model !== undefined && now >= model.resetAt) model = undefined
          const used = model?.count ?? 0
          const resetAt = model?.resetAt ?? now + windowMs
          const allowed = used + cost <= limit
          const r = algorithm.step(state, now, cost)
          expect(r.decision).toEqual({
            allowed,
            limit,
            remaining: allowed ? limit - used - cost : limit - used,
            resetAfterMs: resetAt - now,
            retryAfterMs: allowed ? 0 : resetAt - now,
            delayMs: 0,
          })
          if (allowed && cost > 0) {
            model = { count: used + cost, resetAt }
            state = r.state
            expect(r.ttlMs).toBe(resetAt - now)
          }
        }
      }),
      { numRuns: 1000 },
    )
  })
})
