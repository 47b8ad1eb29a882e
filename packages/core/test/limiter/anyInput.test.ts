import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  type Algorithm,
  ConfigError,
  createRateLimiter,
  fixedWindow,
  gcra,
  InputError,
  leakyBucket,
  SluiceError,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { testStore, wellFormed } from '../resilience/support.ts'

/** Anything at all, and values near the edges that validators get wrong. */
const nasty = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    0,
    -1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    2 ** 53,
    1e300,
  ),
  fc.constantFrom('', ' ', '1m', '-1s', '1e3', 'NaN', '0x10', '\u0000', '10 d', '∞'),
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.double(),
)

const factories: [string, (o: unknown) => Algorithm][] = [
  ['fixedWindow', (o) => fixedWindow(o as never)],
  ['slidingLog', (o) => slidingLog(o as never)],
  ['slidingWindow', (o) => slidingWindow(o as never)],
  ['tokenBucket', (o) => tokenBucket(o as never)],
  ['gcra', (o) => gcra(o as never)],
  ['leakyBucket', (o) => leakyBucket(o as never)],
]

const optionsArb = fc.record(
  {
    limit: nasty,
    window: nasty,
    capacity: nasty,
    refillRate: nasty,
    refillInterval: nasty,
    rate: nasty,
    period: nasty,
    burst: nasty,
    leakRate: nasty,
    leakInterval: nasty,
    name: nasty,
  },
  { requiredKeys: [] },
)

/** A key as an attacker or a careless caller sends it. */
export const keyArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('a\r\nSet-Cookie: x=1', '"quoted"', '{tag}', 'üñí©ødé', '\ud800', 'user@example.com', ' '),
  // Around the key length bound (MAX_KEY_LENGTH, 1024 UTF-16 units).
  fc.integer({ min: 1020, max: 1030 }).map((n) => 'k'.repeat(n)),
  nasty,
)

describe('only decisions or named errors, whatever the input', () => {
  it('algorithm factories: an algorithm or a ConfigError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...factories), fc.oneof(optionsArb, nasty), ([, make], options) => {
        try {
          const a = make(options)
          expect(typeof a.step).toBe('function')
          expect(Number.isInteger(a.limit) && a.limit > 0).toBe(true)
          expect(Number.isFinite(a.windowMs) && a.windowMs > 0).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
          expect((error as Error).message.length).toBeGreaterThan(10)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('createRateLimiter: a limiter or a ConfigError', () => {
    const { store } = testStore({ sync: true })
    // Limiters made here on one store may share counters; that warning is tested elsewhere.
    const { console } = globalThis as unknown as { console: { warn(...args: unknown[]): void } }
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    fc.assert(
      fc.property(
        fc.record(
          {
            prefix: nasty,
            clock: nasty,
            timeoutMs: nasty,
            onStoreError: nasty,
            onError: nasty,
            denyCache: nasty,
            circuitBreaker: fc.oneof(
              nasty,
              fc.record({ failures: nasty, coolDownMs: nasty, coolDown: nasty }, { requiredKeys: [] }),
            ),
            shareCounters: nasty,
          },
          { requiredKeys: [] },
        ),
        (extra) => {
          try {
            const limiter = createRateLimiter({
              store,
              algorithm: gcra({ rate: 5, period: '1s' }),
              ...(extra as object),
            })
            expect(typeof limiter.limit).toBe('function')
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError)
          }
        },
      ),
      { numRuns: 2000 },
    )
    vi.restoreAllMocks()
  })

  it('limit / peek / reset: a well-formed decision or an InputError, for any key, cost and maxDelayMs, on a plain and a failing store', async () => {
    const algorithms = [
      fixedWindow({ limit: 3, window: '1s' }),
      slidingWindow({ limit: 3, window: '1s' }),
      tokenBucket({ capacity: 3, refillRate: 1 }),
      leakyBucket({ capacity: 3, leakRate: 1 }),
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(algorithms, { minLength: 1 }),
        fc.constantFrom('none', 'fail', 'hang') as fc.Arbitrary<'none' | 'fail' | 'hang'>,
        fc.array(
          fc.record({
            op: fc.constantFrom('limit', 'peek', 'reset'),
            key: keyArb,
            cost: fc.option(nasty, { nil: undefined }),
            maxDelayMs: fc.option(nasty, { nil: undefined }),
            // Sometimes the options argument itself is anything at all: `limit('k', 5)` and worse.
            raw: fc.option(nasty, { nil: undefined, freq: 3 }),
          }),
          { maxLength: 20 },
        ),
        async (limits, fault, calls) => {
          const s = testStore()
          const limiter = createRateLimiter({
            store: s.store,
            algorithm: limits,
            onStoreError: fault === 'none' ? undefined : 'deny',
            timeoutMs: 20,
          })
          s.setFault(fault)
          for (const c of calls) {
            const options = (c.raw ?? { cost: c.cost, maxDelayMs: c.maxDelayMs }) as never
            try {
              if (c.op === 'reset') {
                await limiter.reset(c.key as string).catch((e: unknown) => {
                  if (!(e instanceof InputError) && fault === 'none') throw e
                })
                continue
              }
              const d = await limiter[c.op as 'limit' | 'peek'](c.key as string, options)
              expect(wellFormed(d)).toBe(true)
              expect(d.policies.every(wellFormed)).toBe(true)
              expect(fault === 'none' ? d.degraded : d.degraded?.mode).toBe(
                fault === 'none' ? undefined : 'deny',
              )
            } catch (error) {
              expect(error).toBeInstanceOf(InputError)
            }
          }
          s.release()
          await limiter.close()
        },
      ),
      { numRuns: 150 },
    )
  })

  it('errors are SluiceErrors with messages that name the bad value', async () => {
    const limiter = createRateLimiter({
      store: testStore().store,
      algorithm: gcra({ rate: 1, period: '1s' }),
    })
    const error = await limiter.limit('k', { cost: Number.NaN }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SluiceError)
    expect((error as Error).message).toContain('NaN')
  })
})
