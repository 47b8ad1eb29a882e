// Two limiters on one store that would count under the same counters are told about it, once.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigError, createRateLimiter, fixedWindow, gcra, parseRules } from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

const consoleGlobal = globalThis as unknown as { console: { warn: (...args: unknown[]) => void } }
let warnings: string[] = []
afterEach(() => {
  vi.restoreAllMocks()
})
function watchWarnings(): void {
  warnings = []
  vi.spyOn(consoleGlobal.console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '))
  })
}

const perMinute = () => fixedWindow({ limit: 5, window: '1m', name: 'perMinute' })
// A still clock where the test counts: on the real one a minute boundary between calls counts afresh.
const clock = () => 1_699_999_998_000

describe('limiters that share counters by accident', () => {
  it('warns once per store, prefix and limit, saying what is shared and the two fixes', async () => {
    watchWarnings()
    const { store } = testStore()
    const first = createRateLimiter({ store, algorithm: perMinute(), prefix: 'api', clock })
    expect(warnings).toEqual([])
    createRateLimiter({ store, algorithm: [perMinute(), gcra({ rate: 1, period: '1s' })], prefix: 'api' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/two limiters on one test store count under the same counters/)
    expect(warnings[0]).toMatch(/prefix "api", limit perMinute/)
    expect(warnings[0]).toMatch(/its own prefix: createRateLimiter\(\{ …, prefix: 'login' \}\)/)
    expect(warnings[0]).toMatch(/shareCounters: true/)
    // A third one on the same counters: already said.
    createRateLimiter({ store, algorithm: perMinute(), prefix: 'api' })
    expect(warnings).toHaveLength(1)
    // …and the counters really are shared: this is what the warning is about.
    for (let i = 0; i < 5; i++) await first.limit('k')
    const other = createRateLimiter({
      store,
      algorithm: perMinute(),
      prefix: 'api',
      shareCounters: true,
      clock,
    })
    expect((await other.limit('k')).allowed).toBe(false)
  })

  it('the default prefix counts as a prefix', () => {
    watchWarnings()
    const { store } = testStore()
    createRateLimiter({ store, algorithm: perMinute() })
    createRateLimiter({ store, algorithm: perMinute() })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/prefix "sluice"/)
  })

  it('does not warn for distinct prefixes, distinct limits or distinct stores', () => {
    watchWarnings()
    const { store } = testStore()
    createRateLimiter({ store, algorithm: perMinute(), prefix: 'login' })
    createRateLimiter({ store, algorithm: perMinute(), prefix: 'search' })
    createRateLimiter({ store, algorithm: fixedWindow({ limit: 6, window: '1m' }), prefix: 'login' })
    createRateLimiter({ store: testStore().store, algorithm: perMinute(), prefix: 'login' })
    expect(warnings).toEqual([])
  })

  it('does not warn when a limiter says it shares on purpose', () => {
    watchWarnings()
    const { store } = testStore()
    createRateLimiter({ store, algorithm: perMinute(), shareCounters: true })
    createRateLimiter({ store, algorithm: perMinute(), shareCounters: true })
    createRateLimiter({ store, algorithm: perMinute() })
    createRateLimiter({ store, algorithm: perMinute(), shareCounters: true })
    expect(warnings).toEqual([])
    expect(() => createRateLimiter({ store, algorithm: perMinute(), shareCounters: 'yes' as never })).toThrow(
      ConfigError,
    )
  })

  it('does not warn about a limiter that was closed', async () => {
    watchWarnings()
    const { store } = testStore()
    const old = createRateLimiter({ store, algorithm: perMinute() })
    await old.close()
    createRateLimiter({ store, algorithm: perMinute() })
    expect(warnings).toEqual([])
  })

  it('rules limiters with the same prefix and domain share counters too', async () => {
    watchWarnings()
    const { store } = testStore()
    const rules = (domain: string) =>
      parseRules({
        domain,
        descriptors: [{ key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 5 } }],
      })
    const api = createRateLimiter({ store, rules: rules('api') })
    createRateLimiter({ store, rules: rules('admin') })
    createRateLimiter({ store, rules: rules('api'), prefix: 'other' })
    expect(warnings).toEqual([])
    createRateLimiter({ store, rules: rules('api') })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/prefix "sluice", rules domain "api"/)
    await api.close()
  })
})
