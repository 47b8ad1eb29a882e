// Node only (V8): every step answers its decision's numbers and its TTL as small integers (Smis)
// where they fit. Arithmetic on epoch milliseconds gives heap numbers even for small results, and a
// decision field that holds both kinds slows every decision of that shape (the fixed window decided
// at about 0.55× its speed once a process had seen denials), so this guards the whole class.
import { setFlagsFromString } from 'node:v8'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compact } from '../../src/algorithms/shared.ts'
import { stepWithin } from '../../src/entries/store.ts'
import {
  type Algorithm,
  type AlgorithmState,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'

setFlagsFromString('--allow-natives-syntax')
// Compiled after the flag is set: V8's own test of a Smi.
const isSmi = new Function('n', 'return %IsSmi(n)') as (n: number) => boolean
const SMI_MAX = 2 ** 30 - 1

/** What V8 would keep as a Smi: a whole number in the 31-bit range. */
const fitsSmi = (n: number) => Number.isInteger(n) && Math.abs(n) <= SMI_MAX && !Object.is(n, -0)

const LIMITS: readonly Algorithm[] = [
  fixedWindow({ limit: 3, window: '1m' }),
  fixedWindow({ limit: 3, window: '1m', align: 'first-request' }),
  slidingWindow({ limit: 3, window: '1m' }),
  slidingLog({ limit: 3, window: '1m' }),
  tokenBucket({ capacity: 3, refillRate: 1, refillInterval: '20s' }),
  gcra({ rate: 3, period: '1m' }),
  leakyBucket({ capacity: 3, leakRate: 1, leakInterval: '20s' }),
]

describe('step results', () => {
  it('keep every number a decision or a TTL holds as a small integer where it fits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LIMITS),
        fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
        fc.array(
          fc.record({ dt: fc.integer({ min: 0, max: 30_000 }), cost: fc.integer({ min: 0, max: 3 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }),
        (limit, start, trace, maxDelayMs) => {
          let state: AlgorithmState | undefined
          let now = start
          for (const { dt, cost } of trace) {
            now += dt
            const step = stepWithin(limit, state, now, cost, maxDelayMs)
            const { decision } = step
            const numbers = {
              limit: decision.limit,
              remaining: decision.remaining,
              resetAfterMs: decision.resetAfterMs,
              retryAfterMs: decision.retryAfterMs,
              delayMs: decision.delayMs,
              ttlMs: step.ttlMs,
            }
            for (const [field, n] of Object.entries(numbers)) {
              if (fitsSmi(n)) expect(isSmi(n), `${limit.name} ${field} ${n}`).toBe(true)
            }
            if (decision.allowed && cost > 0) state = step.state
          }
        },
      ),
      // A heap number stored once makes that field a double in every later decision, so a failure
      // can show on a later call than the one that stored it: shrinking would mislead, so none.
      { numRuns: 300, endOnFailure: true },
    )
  })

  it('are the same numbers: a fraction (a fractional now) and -0 stay as they are', () => {
    expect(compact(1999.5)).toBe(1999.5)
    expect(Object.is(compact(-0), -0)).toBe(true)
    expect(isSmi(compact(1_700_000_060_000 - 1_700_000_000_000))).toBe(true)
    expect(compact(2 ** 40)).toBe(2 ** 40)
  })
})
