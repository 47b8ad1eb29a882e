import { type Algorithm, createRateLimiter, type LimitsPerCaller, type RateLimiter } from '@sluice/core'
import type { Store } from '@sluice/core/store'
import { beforeAll, it } from 'vitest'
import type { ResolvedOptions } from './options.ts'
import { despiteStalls } from './stalls.ts'

/** 2023-11-14T22:13:20Z: a realistic clock that is a multiple of 100 s, so aligned to 1 s and 5 s windows. */
export const EPOCH = 1_700_000_000_000

/** A clock the test moves by hand: `let now = …; clock: () => now`. No sleeps anywhere. */
export interface Clock {
  readonly now: number
  /** What the limiter calls. */
  readonly read: () => number
  advance(ms: number): number
  set(now: number): void
}

export function controlledClock(start: number = EPOCH): Clock {
  let now = start
  return {
    get now() {
      return now
    },
    read: () => now,
    advance: (ms) => {
      now += ms
      return now
    },
    set: (t) => {
      now = t
    },
  }
}

let sequence = 0

/** A prefix no other test (in this process or any other sharing the backend) uses: the store is never cleared. */
export function randomPrefix(area: string): string {
  const random = Math.random().toString(36).slice(2, 10).padEnd(8, '0')
  return `sluice-conformance:${area}:${random}${(sequence++).toString(36)}`
}

export type StoreFactory = () => Store | Promise<Store>

export interface Harness {
  /** True when limiters run on the test's clock ('controlled' time). */
  readonly controlled: boolean
  /** The store under test, made once per area in `beforeAll`. */
  store(): Store
  /**
   * A limiter over the store under test with a fresh random prefix unless one is given. In 'controlled'
   * time it reads `clock` (a frozen clock at EPOCH when none is given); in 'store' time it gets no clock.
   */
  limiter(
    algorithm: Algorithm | readonly Algorithm[] | LimitsPerCaller,
    setup?: { clock?: Clock; prefix?: string },
  ): RateLimiter
  /**
   * `it` with the configured per-test timeout, for a deterministic test that makes its limiters
   * (fresh keys) inside `fn`. In 'controlled' time it runs under `despiteStalls`: a failure after
   * more than `STALL_MS` of real time (a store's real-time TTL may have lapsed) is run again.
   */
  test(name: string, fn: () => Promise<void>): void
  /**
   * `it` with the configured timeout and no rerun, for a fast-check property: rerunning it would
   * draw new random cases and could hide a rare failure. Guard each case with `despiteStalls` instead.
   */
  property(name: string, fn: () => Promise<void>): void
}

/** Call inside a `describe`: registers a `beforeAll` that makes the store. */
export function harness(area: string, factory: StoreFactory, options: ResolvedOptions): Harness {
  let store: Store | undefined
  beforeAll(async () => {
    store = await factory()
  }, options.timeoutMs)
  const controlled = options.time === 'controlled'
  const current = (): Store => {
    if (store === undefined) throw new Error('store-conformance: the store factory has not run yet')
    return store
  }
  return {
    controlled,
    store: current,
    limiter: (algorithm, setup = {}) =>
      createRateLimiter({
        store: current(),
        algorithm,
        prefix: setup.prefix ?? randomPrefix(area),
        // The suite certifies the store: core's deny cache (tested in core) would answer some calls itself.
        denyCache: false,
        ...(controlled ? { clock: (setup.clock ?? controlledClock()).read } : {}),
      }),
    test: (name, fn) => it(name, controlled ? () => despiteStalls(fn) : fn, options.timeoutMs),
    property: (name, fn) => it(name, fn, options.timeoutMs),
  }
}
