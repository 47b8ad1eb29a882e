import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import type { Store } from '../../src/entries/store.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, StoreError } from '../../src/index.ts'

const rules = parseRules(`domain: api
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 5 }
  - key: ip
    rate_limit: { unit: minute, requests_per_unit: 1 }
    shadow_mode: true
`)
const request = { descriptors: [[{ key: 'user', value: '1' }], [{ key: 'ip', value: '10.0.0.1' }]] }

/** A network-like store (no applySync) whose calls fail while `down` says so. */
function flakyStore(down: () => boolean): Store {
  const inner = referenceStore()
  return {
    ...inner,
    name: 'flaky',
    apply: (r) => (down() ? Promise.reject(new Error('connection refused')) : inner.apply(r)),
  }
}

describe('a rules limiter reaches its store through the same failure handling as any limiter', () => {
  it('without onStoreError a store fault rejects with a StoreError', async () => {
    const limiter = createRateLimiter({ store: flakyStore(() => true), rules, circuitBreaker: false })
    await expect(limiter.limit(request)).rejects.toThrow(StoreError)
  })

  it("onStoreError: 'allow' answers a degraded allow; a failing shadow request is only reported", async () => {
    const shadowErrors: unknown[] = []
    const faults: unknown[] = []
    const limiter = createRateLimiter({
      store: flakyStore(() => true),
      rules,
      onStoreError: 'allow',
      onError: (error) => faults.push(error),
      onShadowError: (error) => shadowErrors.push(error),
      circuitBreaker: false,
    })
    const decision = await limiter.limit(request)
    expect(decision.allowed).toBe(true)
    expect(decision.degraded).toBeDefined()
    // Both requests (enforced and shadow) went through the failure policy and its hook.
    expect(faults).toHaveLength(2)
    await limiter.close()
    await expect(limiter.limit(request)).rejects.toThrow(/closed/)
  })

  it('a shadow request that fails does not change the enforced decision', async () => {
    const inner = referenceStore()
    // The store fails the request that holds the shadow ip counter.
    const store: Store = {
      ...inner,
      apply: (r) =>
        r.limits.some((l) => l.id.includes('ip=')) ? Promise.reject(new Error('boom')) : inner.apply(r),
    }
    const shadowErrors: unknown[] = []
    const limiter = createRateLimiter({
      store,
      rules,
      circuitBreaker: false,
      onShadowError: (e) => shadowErrors.push(e),
    })
    const decision = await limiter.limit(request)
    expect(decision).toMatchObject({ allowed: true, policy: 'user' })
    expect(decision.shadow).toBeUndefined()
    expect(shadowErrors).toHaveLength(1)
    expect(shadowErrors[0]).toBeInstanceOf(StoreError)
  })
})
