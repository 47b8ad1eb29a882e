// Area 13: several costs in one call (`cost: { requests: 1, tokens: 1200 }`): worked examples of
// docs/algorithms.md and parity with core's stepAll on random traces with per-limit costs.
import {
  type Algorithm,
  type AlgorithmKind,
  ConfigError,
  createRateLimiter,
  type Decision,
  fixedWindow,
  type RateLimiter,
  tokenBucket,
} from '@sluice/core'
import * as fc from 'fast-check'
import { describe, expect } from 'vitest'
import { algorithmOf, DAY, kindAt } from './algorithms.ts'
import { compositeArbitrary, traceArbitrary } from './arbitraries.ts'
import { expectRefused } from './expectations.ts'
import { controlledClock, EPOCH, type Harness, harness, randomPrefix, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'
import { runTrace } from './parity.ts'
import { despiteStalls } from './stalls.ts'

const remaining = async (limiter: RateLimiter, key = 'k'): Promise<number[]> =>
  (await limiter.peek(key)).policies.map((p) => p.remaining)

const refund = (d: Decision): Promise<boolean> => (d.refund as () => Promise<boolean>)()

/**
 * The two limits of the worked example: 3 requests and 5,000 tokens a day. The window starts at the
 * first request and the bucket refills 1 token a day, so a store's own clock (real time passing)
 * cannot change a number during a test.
 */
function requestsAndTokens(): Algorithm[] {
  return [
    fixedWindow({ name: 'requests', limit: 3, window: '1d', align: 'first-request' }),
    tokenBucket({ name: 'tokens', capacity: 5000, refillRate: 1, refillInterval: '1d' }),
  ]
}

/**
 * A store without `capabilities.costs`: a call with differing costs per limit is a `ConfigError`
 * naming the store, before the store is asked; equal costs are one number, served as ever.
 */
async function expectUnsupported(h: Harness, kinds: readonly AlgorithmKind[]): Promise<void> {
  // Two limits of the store's own kinds, with distinct ids (10 and 20 units a week).
  const limits = [algorithmOf(kindAt(kinds, 0), 10, 7 * DAY), algorithmOf(kindAt(kinds, 1), 20, 7 * DAY)]
  const [a, b] = limits.map((l) => l.id) as [string, string]
  const limiter = h.limiter(limits)
  const before = await remaining(limiter)
  await expectRefused(() => limiter.limit('k', { cost: { [a]: 1, [b]: 2 } }), ConfigError, h.store().name)
  expect(await remaining(limiter)).toStrictEqual(before)
  // Equal costs are one number, served as ever.
  expect((await limiter.limit('k', { cost: { [a]: 2, [b]: 2 } })).allowed).toBe(true)
}

/**
 * Area 13: several costs in one call. The worked example of docs/algorithms.md ("Several costs in
 * one call": 1 request and 1,200 tokens against two limits; one limit refusing takes nothing from
 * either; a refund gives back each limit's own units; a peek with costs), on the store's clock as
 * well as a controlled one; and in controlled time, random composites with random per-limit costs
 * (by limit id) deciding like core's stepAll, refunds included. Registered when `composite` is
 * true. On a store without `capabilities.costs` each test checks instead that such a call is a
 * `ConfigError` raised before the store is asked.
 */
export function describeCosts(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (!resolved.composite) return
  describe(`${name} › several costs in one call`, () => {
    const h = harness('costs', factory, resolved)
    const takesCosts = () => h.store().capabilities.costs === true
    const kinds = resolved.algorithms
    if (kinds.includes('fixedWindow') && kinds.includes('tokenBucket')) {
      h.test('the worked example: requests and tokens, all-or-nothing, refunds per limit', async () => {
        if (!takesCosts()) return expectUnsupported(h, kinds)
        const limiter = h.limiter(requestsAndTokens())
        const first = await limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
        expect(first.allowed).toBe(true)
        expect(first.policies.map((p) => p.remaining)).toStrictEqual([2, 3800])
        const big = await limiter.limit('k', { cost: { requests: 1, tokens: 3000 } })
        expect(big.policies.map((p) => p.remaining)).toStrictEqual([1, 800])
        // Tokens refuse: nothing is taken under either limit.
        const refused = await limiter.limit('k', { cost: { requests: 1, tokens: 1000 } })
        expect(refused).toMatchObject({ allowed: false, policy: 'tokens' })
        expect(refused.policies.map((p) => p.remaining)).toStrictEqual([1, 800])
        expect(await remaining(limiter)).toStrictEqual([1, 800])
        // A limit the object does not name takes 0: tokens are read, never written.
        const requestOnly = await limiter.limit('k', { cost: { requests: 1 } })
        expect(requestOnly.allowed).toBe(true)
        expect(await remaining(limiter)).toStrictEqual([0, 800])
        // Requests refuse now: the token is not taken either.
        const none = await limiter.limit('k', { cost: { requests: 1, tokens: 1 } })
        expect(none).toMatchObject({ allowed: false, policy: 'requests' })
        expect(await remaining(limiter)).toStrictEqual([0, 800])
        // The big call's refund gives back its own units under each limit.
        expect(await refund(big)).toBe(true)
        expect(await remaining(limiter)).toStrictEqual([1, 3800])
        expect(await refund(big)).toBe(false)
        // A refused call gives back nothing.
        expect(await refund(refused)).toBe(false)
        // By key, per limit: a limit not named is left alone.
        expect(await limiter.refund('k', { cost: { tokens: 200 } })).toBe(true)
        expect(await remaining(limiter)).toStrictEqual([1, 4000])
        // A peek with costs decides as if taking them, and takes nothing.
        const peek = await limiter.peek('k', { cost: { requests: 2, tokens: 100 } })
        expect(peek).toMatchObject({ allowed: false, policy: 'requests' })
        expect((await limiter.peek('k', { cost: { requests: 1, tokens: 4000 } })).allowed).toBe(true)
        expect(await remaining(limiter)).toStrictEqual([1, 4000])
      })
    }
    if (kinds.includes('fixedWindow') && kinds.includes('tokenBucket')) {
      h.test(
        'with blockDuration: each limit takes its own units; a refusal under one blocks the key',
        async () => {
          if (!takesCosts()) return expectUnsupported(h, kinds)
          const setup = {
            store: h.store(),
            algorithm: requestsAndTokens(),
            prefix: randomPrefix('costs'),
            denyCache: false,
            blockDuration: 3_600_000,
            ...(h.controlled ? { clock: controlledClock().read } : {}),
          }
          if (h.store().capabilities.penalties !== true) {
            expect(() => createRateLimiter(setup)).toThrow(ConfigError)
            return
          }
          const limiter = createRateLimiter(setup)
          const first = await limiter.limit('k', { cost: { requests: 1, tokens: 1200 } })
          expect(first.policies.map((p) => p.remaining)).toStrictEqual([2, 3800])
          const refused = await limiter.limit('k', { cost: { requests: 1, tokens: 4000 } })
          expect(refused).toMatchObject({ allowed: false, policy: 'tokens' })
          expect(refused.blockedUntil).toBeGreaterThan(0)
          if (h.controlled) expect(refused.blockedUntil).toBe(EPOCH + 3_600_000)
          // Blocked: even a call that takes nothing of tokens is refused, unevaluated.
          const blocked = await limiter.limit('k', { cost: { requests: 1 } })
          expect(blocked).toMatchObject({ allowed: false, blockedUntil: refused.blockedUntil })
          await limiter.unban('k')
          // Nothing was taken by the refused calls.
          expect(await remaining(limiter)).toStrictEqual([2, 3800])
        },
      )
    }
    if (!h.controlled) return
    h.property('random composites with random per-limit costs decide like stepAll', async () => {
      if (!takesCosts()) return expectUnsupported(h, kinds)
      await fc.assert(
        fc.asyncProperty(compositeArbitrary(kinds), traceArbitrary, (specs, trace) =>
          despiteStalls(() => runTrace(h, specs, trace, resolved.refunds, true)),
        ),
        { numRuns: resolved.numRuns },
      )
    })
  })
}
