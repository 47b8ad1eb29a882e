// The logger option: levels read from the logger, pino's (fields, message) calls, and keys never logged unless exposed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRateLimiter, fixedWindow, type Logger } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

type Call = [level: string, fields: Record<string, unknown>, message: string | undefined]

function recorder(extra: Partial<Logger> = {}): { logger: Logger; calls: Call[] } {
  const calls: Call[] = []
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    calls.push([level, fields, message])
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), ...extra },
    calls,
  }
}

describe('logger', () => {
  it('logs each decision at debug, explained, when the logger says debug is enabled (isLevelEnabled)', async () => {
    const { store } = testStore({ sync: true })
    const { logger, calls } = recorder({ isLevelEnabled: (level) => level !== 'trace' })
    // A still clock: on the real one a minute boundary between the calls would admit the second.
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      logger,
      clock: () => 1_699_999_998_000,
    })
    await limiter.limit('user:42')
    await limiter.limit('user:42')
    expect(calls.map(([level]) => level)).toEqual(['debug', 'debug'])
    expect(calls[1]?.[1]).toMatchObject({
      event: 'decision',
      limiter: 'sluice',
      allowed: false,
      algorithm: 'fixedWindow',
    })
    expect(calls[1]?.[2]).toMatch(/^sluice: fixed window: window .*→ denied, resets in/)
  })

  it('without isLevelEnabled, reads `level`, else takes info: console logs faults but not every decision', async () => {
    const { store } = testStore({ sync: true })
    const algorithm = fixedWindow({ limit: 1, window: '1m' })
    const quiet = recorder()
    const verbose = recorder({ level: 'debug' })
    const silent = recorder({ level: 'error' })
    for (const { logger } of [quiet, verbose, silent]) {
      const l = createRateLimiter({ store, algorithm, logger, shareCounters: true })
      await l.limit('k')
    }
    expect(quiet.calls).toEqual([])
    expect(verbose.calls.map(([level]) => level)).toEqual(['debug'])
    expect(silent.calls).toEqual([])
  })

  it('logs store faults and the breaker at warn, its closing at info', async () => {
    const t = testStore()
    const { logger, calls } = recorder({ level: 'info' })
    const limiter = createRateLimiter({
      store: t.store,
      algorithm: fixedWindow({ limit: 5, window: '1m' }),
      onStoreError: 'deny',
      circuitBreaker: { failures: 1, coolDownMs: 60_000 },
      logger,
    })
    t.setFault('fail')
    await limiter.limit('k')
    expect(calls.map(([level, fields]) => `${level}:${fields.event}`)).toEqual([
      'warn:storeError',
      'warn:breakerOpen',
    ])
    expect(calls[0]?.[2]).toContain('test store store-error: test store failed: connection refused')
    expect(calls[0]?.[1].err).toBeInstanceOf(Error)
    await limiter.close()
  })

  it('never logs a key, at any level, unless exposeKey is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 20 }), fc.boolean(), async (suffix, expose) => {
        // A marker no log text holds by chance, so finding it means the key was logged.
        const key = `K7Q!${suffix}`
        const t = testStore()
        const { logger, calls } = recorder({ level: 'debug' })
        const limiter = createRateLimiter({
          store: t.store,
          algorithm: fixedWindow({ limit: 1, window: '1m' }),
          onStoreError: 'allow',
          logger,
          exposeKey: expose,
        })
        await limiter.limit(key)
        await limiter.limit(key)
        await limiter.limit(key)
        t.setFault('fail')
        await limiter.limit(key)
        const text = JSON.stringify(calls, (_k, v) => (v instanceof Error ? v.message : v))
        expect(text.includes(JSON.stringify(key).slice(1, -1))).toBe(expose)
        await limiter.close()
      }),
      { numRuns: 30 },
    )
  })
})
