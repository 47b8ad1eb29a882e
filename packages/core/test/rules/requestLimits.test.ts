// How much one request may ask of a rules limiter: descriptors per request, and the length of keys and values.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { createRateLimitCheck } from '../../src/entries/http.ts'
import { MAX_LIMITS_PER_REQUEST, type Store } from '../../src/entries/store.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Descriptor, InputError, StoreError } from '../../src/index.ts'
import { MAX_DESCRIPTOR_LENGTH } from '../../src/rules/limits.ts'

const rules = parseRules(`domain: api
descriptors:
  - key: item
    rate_limit: { unit: minute, requests_per_unit: 10 }
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 10 }
`)

/**
 * The reference store, counting its calls and, like the Redis stores' script commands, failing
 * any request with more limits than MAX_LIMITS_PER_REQUEST.
 */
function countingStore(): Store & { readonly calls: number[] } {
  const inner = referenceStore()
  const calls: number[] = []
  return {
    ...inner,
    calls,
    apply(request) {
      calls.push(request.limits.length)
      if (request.limits.length > MAX_LIMITS_PER_REQUEST) {
        return Promise.reject(new Error(`too many keys: ${request.limits.length}`))
      }
      return inner.apply(request)
    },
  }
}

const items = (n: number): Descriptor[] =>
  Array.from({ length: n }, (_, i) => [{ key: 'item', value: `i${i}` }])

describe('descriptors per request', () => {
  it(`up to ${MAX_LIMITS_PER_REQUEST} descriptors go to the store in one call; one more is an InputError before any`, async () => {
    const store = countingStore()
    const limiter = createRateLimiter({ store, rules })
    const full = await limiter.limit({ descriptors: items(MAX_LIMITS_PER_REQUEST) })
    expect(full.policies).toHaveLength(MAX_LIMITS_PER_REQUEST)
    expect(store.calls).toEqual([MAX_LIMITS_PER_REQUEST])

    const over = limiter.limit({ descriptors: items(MAX_LIMITS_PER_REQUEST + 1) })
    await expect(over).rejects.toThrow(InputError)
    await expect(limiter.peek({ descriptors: items(MAX_LIMITS_PER_REQUEST + 1) })).rejects.toThrow(
      `a request carries ${MAX_LIMITS_PER_REQUEST + 1} descriptors, over the maximum of ${MAX_LIMITS_PER_REQUEST}`,
    )
    await expect(limiter.reset({ descriptors: items(MAX_LIMITS_PER_REQUEST + 1) })).rejects.toThrow(
      InputError,
    )
    expect(store.calls).toEqual([MAX_LIMITS_PER_REQUEST])
  })

  it('the bound holds whatever the rules match: shadow limits, and descriptors no rule limits', async () => {
    const store = countingStore()
    const shadow = createRateLimiter({ store, rules, shadowMode: true })
    await expect(shadow.limit({ descriptors: items(MAX_LIMITS_PER_REQUEST + 1) })).rejects.toThrow(InputError)
    const unmatched = Array.from({ length: MAX_LIMITS_PER_REQUEST + 1 }, (_, i) => [
      { key: 'nothing', value: `n${i}` },
    ])
    await expect(shadow.limit({ descriptors: unmatched })).rejects.toThrow(InputError)
    expect(store.calls).toEqual([])
  })

  it('an oversized request never reaches the circuit breaker: the store stays in use', async () => {
    const store = countingStore()
    const limiter = createRateLimiter({ store, rules, circuitBreaker: { failures: 1, coolDownMs: 600_000 } })
    for (let i = 0; i < 3; i++) {
      const error = await limiter.limit({ descriptors: items(MAX_LIMITS_PER_REQUEST + 1) }).catch((e) => e)
      expect(error).toBeInstanceOf(InputError)
      expect(error).not.toBeInstanceOf(StoreError)
    }
    const ok = await limiter.limit({ descriptors: [[{ key: 'user', value: 'u' }]] })
    expect(ok).toMatchObject({ allowed: true, remaining: 9 })
    expect(ok.degraded).toBeUndefined()
    expect(store.calls).toEqual([1])
  })
})

describe('descriptor key and value length', () => {
  const long = 'x'.repeat(MAX_DESCRIPTOR_LENGTH + 1)

  it(`keys and values up to ${MAX_DESCRIPTOR_LENGTH} UTF-16 code units are counted; longer ones are an InputError that says to hash`, async () => {
    const store = countingStore()
    const limiter = createRateLimiter({ store, rules })
    const longest = 'v'.repeat(MAX_DESCRIPTOR_LENGTH)
    expect((await limiter.limit({ descriptors: [[{ key: 'user', value: longest }]] })).remaining).toBe(9)
    expect(store.calls).toEqual([1])

    const value = limiter.limit({ descriptors: [[{ key: 'user', value: long }]] })
    await expect(value).rejects.toThrow(InputError)
    await expect(limiter.limit({ descriptors: [[{ key: 'user', value: long }]] })).rejects.toThrow(
      `descriptors[0][0] has a value ${MAX_DESCRIPTOR_LENGTH + 1} UTF-16 code units long; the most is ${MAX_DESCRIPTOR_LENGTH}`,
    )
    await expect(
      limiter.limit({ descriptors: [[{ key: 'user', value: 'u' }], [{ key: long, value: 'v' }]] }),
    ).rejects.toThrow(/descriptors\[1\]\[0\] has a key 1025 UTF-16 code units long.*hash a long value/)
    expect(store.calls).toEqual([1])
  })

  it('the message gives the length, never the value', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const secret = `${'s'.repeat(MAX_DESCRIPTOR_LENGTH)}@example.com`
    const error = await limiter.limit({ descriptors: [[{ key: 'user', value: secret }]] }).catch((e) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).not.toContain('@example.com')
  })

  it('rules cannot name a longer key or value either: it could never match', () => {
    expect(() => parseRules(`domain: api\ndescriptors:\n  - key: user\n    value: ${long}\n`)).toThrow(
      /at descriptors\[0\]\.value: value is 1025 UTF-16 code units long; the most a request may send is 1024/,
    )
  })

  it('bindings answer both with a 400 that names no value', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules })
    const spec = { factory: 'rateLimit', clientAddress: () => '192.0.2.1', clientAddressSource: 'test' }
    for (const descriptors of [items(MAX_LIMITS_PER_REQUEST + 1), [[{ key: 'user', value: long }]]]) {
      const { check } = createRateLimitCheck({ limiter, descriptors: () => descriptors }, spec)
      const outcome = await check({})
      expect(outcome.action).toBe('invalid')
      if (outcome.action !== 'invalid') return
      expect(outcome.invalid.status).toBe(400)
      expect(outcome.invalid.body).not.toContain('xxxx')
      expect(outcome.invalid.error).toBeInstanceOf(InputError)
    }
  })
})
