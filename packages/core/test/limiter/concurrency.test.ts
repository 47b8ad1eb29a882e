// concurrency(): validation, leases that expire, release of exactly one's own lease, and a model property.
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import {
  type Algorithm,
  ConfigError,
  concurrency,
  createRateLimiter,
  type Decision,
  fixedWindow,
  InputError,
  UnsupportedAlgorithmError,
} from '../../src/index.ts'

const T0 = 1_700_000_000_000
const release = (d: Decision) => (d.release as () => Promise<boolean>)()

function limiterAt(now: { t: number }, algorithm: Algorithm | Algorithm[]) {
  return createRateLimiter({ store: referenceStore(), algorithm, clock: () => now.t })
}

describe('concurrency(options)', () => {
  it('validates at construction with named errors', () => {
    expect(() => concurrency({ limit: 0, leaseMs: 1000 })).toThrow(ConfigError)
    expect(() => concurrency({ limit: 1.5, leaseMs: 1000 })).toThrow(/concurrency: limit/)
    expect(() => concurrency({ limit: 2, leaseMs: 'soon' as never })).toThrow(/concurrency: leaseMs/)
    expect(() => concurrency({ limit: 2 } as never)).toThrow(/concurrency: leaseMs/)
    expect(() => concurrency({ maxConcurrent: 2, leaseMs: 1000 } as never)).toThrow(/limit/)
    const c = concurrency({ limit: 4, leaseMs: '30s' })
    expect([c.kind, c.limit, c.windowMs, c.maxCost, c.name]).toStrictEqual([
      'concurrency',
      4,
      30_000,
      4,
      'concurrency:4/30s',
    ])
    // Its own counter: never shared with a sliding log of the same numbers.
    expect(c.id).toBe('cc:4:30000')
  })

  it('needs a store that can release (refund): a store without one is refused at construction', () => {
    const { refund: _, ...store } = referenceStore()
    expect(() => createRateLimiter({ store, algorithm: concurrency({ limit: 2, leaseMs: 1000 }) })).toThrow(
      UnsupportedAlgorithmError,
    )
    expect(() => createRateLimiter({ store, algorithm: concurrency({ limit: 2, leaseMs: 1000 }) })).toThrow(
      /cannot release concurrency leases/,
    )
    expect(() =>
      createRateLimiter({ store, algorithm: fixedWindow({ limit: 2, window: 1000 }) }),
    ).not.toThrow()
  })

  it('the worked example of docs/algorithms.md: full until the oldest lease expires or is released', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, concurrency({ limit: 2, leaseMs: 1000 }))
    const a = await limiter.limit('k')
    now.t += 100
    const b = await limiter.limit('k')
    now.t += 100
    const full = await limiter.limit('k')
    expect(full).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 800, resetAfterMs: 900 })
    expect(await release(a)).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(1)
    expect(await release(a)).toBe(false)
    expect((await limiter.peek('k')).remaining).toBe(1)
    expect(b.allowed).toBe(true)
  })

  it('a crashed holder loses its lease exactly leaseMs after taking it', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, concurrency({ limit: 1, leaseMs: '10s' }))
    expect((await limiter.limit('k')).allowed).toBe(true)
    // The holder never releases. Until T0 + 10 s the slot is taken; then it is free.
    now.t = T0 + 9_999
    expect(await limiter.limit('k')).toMatchObject({ allowed: false, retryAfterMs: 1 })
    now.t = T0 + 10_000
    expect((await limiter.limit('k')).allowed).toBe(true)
  })

  it('two leases taken in the same millisecond: each release frees one, once', async () => {
    const now = { t: T0 }
    const limiter = limiterAt(now, concurrency({ limit: 3, leaseMs: 1000 }))
    const a = await limiter.limit('k')
    const b = await limiter.limit('k')
    now.t += 10
    expect(await release(a)).toBe(true)
    expect(await limiter.release(a)).toBe(false)
    expect((await limiter.peek('k')).remaining).toBe(2)
    expect(await limiter.release(b)).toBe(true)
    expect((await limiter.peek('k')).remaining).toBe(3)
  })

  it('release(decision) refuses what is not its own decision of limit()', async () => {
    const now = { t: T0 }
    const mine = limiterAt(now, concurrency({ limit: 3, leaseMs: 1000 }))
    const theirs = limiterAt(now, concurrency({ limit: 3, leaseMs: 1000 }))
    const other = await theirs.limit('k')
    await expect(mine.release(other)).rejects.toThrow(InputError)
    await expect(mine.release(other)).rejects.toThrow(/another limiter/)
    await expect(mine.release(await mine.peek('k'))).rejects.toThrow(
      /release\(decision\): not a decision of limit\(\)/,
    )
    await expect(mine.release('k' as never)).rejects.toThrow(InputError)
    // A decision without a concurrency limit has no lease: false, nothing sent.
    const rate = limiterAt(now, fixedWindow({ limit: 3, window: 1000 }))
    const counted = await rate.limit('k')
    expect(await rate.release(counted)).toBe(false)
    expect((await rate.peek('k')).remaining).toBe(2)
  })
})

describe('the deny cache and leases', () => {
  it('never answers a full concurrency limit locally: another process may release at any time', async () => {
    const now = { t: T0 }
    const store = referenceStore()
    const algorithm = concurrency({ limit: 1, leaseMs: '1h' })
    // Two processes' limiters on one store and prefix, each with its (default) deny cache.
    const here = createRateLimiter({ store, algorithm, clock: () => now.t, prefix: 'shared' })
    const there = createRateLimiter({ store, algorithm, clock: () => now.t, prefix: 'shared' })
    const held = await there.limit('k')
    expect((await here.limit('k')).allowed).toBe(false)
    expect(await there.release(held)).toBe(true)
    // An hour before the lease would expire: admitted, since the store is asked.
    expect((await here.limit('k')).allowed).toBe(true)
  })
})

/** One `limit` (take a lease of `cost`), a `release` of an earlier lease, or time passing. */
type Op =
  | { readonly op: 'take'; readonly cost: number; readonly advance: number }
  | { readonly op: 'release'; readonly pick: number; readonly advance: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('take' as const), cost: fc.integer({ min: 1, max: 3 }), advance: fc.nat(400) }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat(20), advance: fc.nat(400) }),
)

describe('a model of leases', () => {
  it('limit - remaining is always the units of the leases neither expired nor released', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(op, { maxLength: 40 }),
        async (limit, leaseMs, ops) => {
          const now = { t: T0 }
          const limiter = limiterAt(now, concurrency({ limit, leaseMs }))
          // Every lease taken: its time, its units, its decision and whether it was released.
          const leases: { at: number; cost: number; decision: Decision; released: boolean }[] = []
          const held = () =>
            leases.filter((l) => !l.released && l.at > now.t - leaseMs).reduce((sum, l) => sum + l.cost, 0)
          for (const step of ops) {
            now.t += step.advance
            if (step.op === 'take') {
              // A cost above the limit is an InputError: keep it admissible.
              const cost = Math.min(step.cost, limit)
              const decision = await limiter.limit('k', { cost })
              expect(decision.allowed).toBe(held() + cost <= limit)
              if (decision.allowed) leases.push({ at: now.t, cost, decision, released: false })
            } else if (leases.length > 0) {
              const lease = leases[step.pick % leases.length] as (typeof leases)[number]
              expect(await release(lease.decision)).toBe(!lease.released)
              lease.released = true
            }
            expect(limit - (await limiter.peek('k')).remaining).toBe(held())
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
