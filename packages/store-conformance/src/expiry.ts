import type { Algorithm, Decision, RateLimiter } from '@sluice/core'
import { describe, expect } from 'vitest'
import { algorithmOf, DAY, SECOND } from './algorithms.ts'
import { comparable } from './expectations.ts'
import { type Clock, controlledClock, EPOCH, harness, type StoreFactory } from './harness.ts'
import { type ConformanceOptions, resolveOptions } from './options.ts'

let freshKeys = 0
/** A key nobody has used: what "behaves as fresh" is compared with. */
const freshKey = (): string => `fresh-${freshKeys++}`

/** The state-only reading of a key (cost 0) next to a fresh key's, at the same instant. */
async function readings(limiter: RateLimiter, key: string): Promise<[unknown, unknown]> {
  const read = async (k: string): Promise<unknown> => comparable(await limiter.peek(k, { cost: 0 }))
  return [await read(key), await read(freshKey())]
}

/** Until `end` the key is not fresh; from `end` on it decides exactly like a fresh key. */
async function expectFreshFrom(
  limiter: RateLimiter,
  clock: Clock,
  key: string,
  end: number,
  algorithm: Algorithm,
) {
  clock.set(end - 1)
  const [before, freshBefore] = await readings(limiter, key)
  expect(before, `at resetAfterMs − 1 the key must still hold its state`).not.toStrictEqual(freshBefore)
  clock.set(end)
  const [after, freshAfter] = await readings(limiter, key)
  expect(after, 'at resetAfterMs the key must read like a fresh key').toStrictEqual(freshAfter)
  expect((after as Decision).remaining).toBe(algorithm.limit)
  const other = freshKey()
  for (const cost of [algorithm.maxCost, 1]) {
    const d = await limiter.limit(key, { cost })
    expect(comparable(d), `limit(cost ${cost}) after expiry`).toStrictEqual(
      comparable(await limiter.limit(other, { cost })),
    )
  }
}

/**
 * Area 3: expiry on the controlled clock. Once the `resetAfterMs` of the last admitted request has
 * passed, a key decides exactly like a fresh one (remaining back to the limit), and not a millisecond
 * earlier; denied requests and peeks in between move nothing. Registers nothing in 'store' time.
 */
export function describeExpiry(name: string, factory: StoreFactory, options?: ConformanceOptions): void {
  const resolved = resolveOptions(options)
  if (resolved.time !== 'controlled') return
  describe(`${name} › expiry`, () => {
    const h = harness('expiry', factory, resolved)
    for (const kind of resolved.algorithms) {
      h.test(
        `${kind}: an exhausted key is fresh at resetAfterMs; denials and peeks never extend it`,
        async () => {
          const algorithm = algorithmOf(kind, 3, SECOND)
          const clock = controlledClock(EPOCH + 250)
          const limiter = h.limiter(algorithm, { clock })
          let last: Decision | undefined
          for (let i = 0; i < 3; i++) last = await limiter.limit('k')
          expect(last?.allowed).toBe(true)
          const t0 = clock.now
          const end = t0 + (last as Decision).resetAfterMs
          expect(end).toBeGreaterThan(t0)
          // The whole quota is refused until `end`, and each refusal names exactly `end` as its retry.
          for (const t of [t0, t0 + 1, Math.floor((t0 + end) / 2), end - 1]) {
            clock.set(t)
            for (const call of ['limit', 'peek'] as const) {
              const denied = await limiter[call]('k', { cost: algorithm.maxCost })
              expect(denied.allowed, `${call} of the whole quota at +${t - t0} ms`).toBe(false)
              expect(denied.retryAfterMs, `${call} at +${t - t0} ms`).toBe(end - t)
            }
            await limiter.peek('k')
          }
          await expectFreshFrom(limiter, clock, 'k', end, algorithm)
        },
      )

      h.test(`${kind}: a partly used key is fresh at its resetAfterMs, not before`, async () => {
        const algorithm = algorithmOf(kind, 3, SECOND)
        const clock = controlledClock(EPOCH + 250)
        const limiter = h.limiter(algorithm, { clock })
        await limiter.limit('k')
        clock.advance(100)
        const d = await limiter.limit('k')
        expect(d.allowed).toBe(true)
        await expectFreshFrom(limiter, clock, 'k', clock.now + d.resetAfterMs, algorithm)
      })

      h.test(`${kind}: a key left alone for days is fresh`, async () => {
        const algorithm = algorithmOf(kind, 3, SECOND)
        const clock = controlledClock(EPOCH + 250)
        const limiter = h.limiter(algorithm, { clock })
        await limiter.limit('k', { cost: algorithm.maxCost })
        clock.advance(3 * DAY + 17)
        const [after, fresh] = await readings(limiter, 'k')
        expect(after).toStrictEqual(fresh)
      })
    }
  })
}
