import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

// A misspelt option used to be ignored, so `refilInterval` silently kept the default of 1 s.
describe('unknown options are refused, with a pointer to the right one', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'tokenBucket refilInterval',
      () => tokenBucket({ capacity: 5, refillRate: 1, refilInterval: '1m' } as never),
      /tokenBucket: unknown option "refilInterval"; did you mean "refillInterval"\?/,
    ],
    [
      'gcra brust',
      () => gcra({ rate: 5, period: '1s', brust: 3 } as never),
      /gcra: unknown option "brust"; did you mean "burst"\?/,
    ],
    [
      'fixedWindow max',
      () => fixedWindow({ limit: 5, window: '1s', max: 3 } as never),
      /fixedWindow: unknown option "max"; the quota is limit/,
    ],
    [
      'slidingLog windowMs',
      () => slidingLog({ limit: 5, window: '1s', windowMs: 1000 } as never),
      /slidingLog: unknown option "windowMs"; the window is window/,
    ],
    [
      'slidingWindow limits',
      () => slidingWindow({ limit: 5, window: '1s', limits: 2 } as never),
      /slidingWindow: unknown option "limits"; did you mean "limit"\?/,
    ],
    [
      'leakyBucket leakrate',
      () => leakyBucket({ capacity: 5, leakRate: 1, leakrate: 2 } as never),
      /leakyBucket: unknown option "leakrate"; did you mean "leakRate"\?/,
    ],
    [
      'createRateLimiter timeout',
      () =>
        createRateLimiter({
          store: testStore(),
          algorithm: fixedWindow({ limit: 1, window: 1000 }),
          timeout: 100,
        } as never),
      /createRateLimiter: unknown option "timeout"; use timeoutMs/,
    ],
    [
      'createRateLimiter max (a port from another limiter)',
      () => createRateLimiter({ store: testStore(), max: 100 } as never),
      /createRateLimiter: unknown option "max"; limits are algorithms/,
    ],
    [
      'createRateLimiter something unrelated',
      () =>
        createRateLimiter({
          store: testStore(),
          algorithm: fixedWindow({ limit: 1, window: 1000 }),
          zzzzzzzzzz: 1,
        } as never),
      /createRateLimiter: unknown option "zzzzzzzzzz"; the options are store, algorithm/,
    ],
  ]
  it.each(cases)('%s', (_, build, message) => {
    expect(build).toThrow(ConfigError)
    expect(build).toThrow(message)
  })

  it('an option set to undefined counts as absent', () => {
    expect(() => tokenBucket({ capacity: 5, refillRate: 1, refilInterval: undefined } as never)).not.toThrow()
  })
})
