// A request's own limit for a descriptor (Envoy's RateLimitDescriptor.limit): it replaces the
// rule's limit, applies with no rule at all, 0 refuses, and bad overrides are InputErrors.
import { describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type DescriptorRequest, InputError } from '../../src/index.ts'

const rules = parseRules(`domain: api
descriptors:
  - key: plan
    rate_limit: { unit: minute, requests_per_unit: 1, name: plan }
  - key: open
    rate_limit: { unlimited: true }
`)
const T0 = 1_700_000_040_000 // the start of a minute

function limiter(now = { t: T0 }) {
  return createRateLimiter({ store: referenceStore(), rules, clock: () => now.t })
}

const overridden = (
  requests_per_unit: number,
  unit = 'minute',
  key = 'plan',
  value = 'pro',
): DescriptorRequest => ({
  descriptors: [{ entries: [{ key, value }], limit: { requests_per_unit, unit } }],
})

async function admitted(limit: () => Promise<{ allowed: boolean }>, calls: number): Promise<number> {
  let n = 0
  for (let i = 0; i < calls; i++) if ((await limit()).allowed) n++
  return n
}

describe('a descriptor that overrides its limit', () => {
  it("replaces the matched rule's limit, keeping its policy name", async () => {
    const l = limiter()
    expect(await admitted(() => l.limit(overridden(3)), 5)).toBe(3)
    const d = await l.peek(overridden(3))
    expect(d.policy).toBe('plan')
    expect(d.limit).toBe(3)
    expect(d.limits?.[0]?.windowMs).toBe(60_000)
    // The rule's own limit still holds for requests without the override.
    expect(await admitted(() => l.limit({ descriptors: [[{ key: 'plan', value: 'free' }]] }), 3)).toBe(1)
  })

  it('each override counts on its own counter: a changed limit starts afresh', async () => {
    const l = limiter()
    expect(await admitted(() => l.limit(overridden(2)), 3)).toBe(2)
    expect(await admitted(() => l.limit(overridden(4)), 5)).toBe(4)
    expect(await admitted(() => l.limit(overridden(2, 'hour')), 3)).toBe(2)
  })

  it('applies where no rule matches, or an unlimited one does, named by its keys', async () => {
    const l = limiter()
    expect(await admitted(() => l.limit(overridden(2, 'second', 'tenant', 't1')), 3)).toBe(2)
    expect((await l.peek(overridden(2, 'second', 'tenant', 't1'))).policy).toBe('tenant')
    expect(await admitted(() => l.limit(overridden(1, 'minute', 'open', 'x')), 2)).toBe(1)
  })

  it('0 requests per unit refuses every request without a store call, as a rule of 0 does', async () => {
    const store = referenceStore()
    let calls = 0
    const l = createRateLimiter({
      store: {
        ...store,
        apply: (r) => {
          calls++
          return store.apply(r)
        },
      },
      rules,
      clock: () => T0,
    })
    const d = await l.limit(overridden(0))
    expect(d.allowed).toBe(false)
    expect(d.retryAfterMs).toBe(60_000)
    expect(calls).toBe(0)
  })

  it('mixes with plain descriptors in one all-or-nothing request', async () => {
    const l = limiter()
    const request: DescriptorRequest = {
      descriptors: [
        [{ key: 'plan', value: 'free' }],
        { entries: [{ key: 'tenant', value: 't' }], limit: { requests_per_unit: 5, unit: 'MINUTE' } },
      ],
    }
    const first = await l.limit(request)
    expect(first.allowed).toBe(true)
    expect(first.policies.map((p) => [p.policy, p.remaining])).toEqual([
      ['plan', 0],
      ['tenant', 4],
    ])
    const second = await l.limit(request)
    expect(second.allowed).toBe(false)
    expect(
      (
        await l.peek({
          descriptors: [
            { entries: [{ key: 'tenant', value: 't' }], limit: { requests_per_unit: 5, unit: 'minute' } },
          ],
        })
      ).remaining,
    ).toBe(4)
  })

  it('refuses malformed overrides with an InputError that shows the form', async () => {
    const l = limiter()
    const bad: unknown[] = [
      { entries: [{ key: 'plan', value: 'pro' }] },
      { entries: [{ key: 'plan', value: 'pro' }], limit: { requests_per_unit: 1, unit: 'minute' }, hits: 2 },
      { entries: [{ key: 'plan', value: 'pro' }], limit: { requests_per_unit: -1, unit: 'minute' } },
      { entries: [{ key: 'plan', value: 'pro' }], limit: { requests_per_unit: 1.5, unit: 'minute' } },
      { entries: [{ key: 'plan', value: 'pro' }], limit: { requests_per_unit: 1, unit: 'fortnight' } },
      { entries: [{ key: 'plan', value: 'pro' }], limit: { requestsPerUnit: 1, unit: 'minute' } },
      { entries: [{ key: 'plan', value: 'pro' }], limit: null },
      { entries: [], limit: { requests_per_unit: 1, unit: 'minute' } },
      { entries: [{ key: 'plan' }], limit: { requests_per_unit: 1, unit: 'minute' } },
    ]
    for (const descriptor of bad) {
      await expect(l.limit({ descriptors: [descriptor] } as DescriptorRequest)).rejects.toThrow(InputError)
    }
    await expect(l.limit({ descriptors: [bad[0]] } as DescriptorRequest)).rejects.toThrow(
      /or \{ entries, limit: \{ requests_per_unit, unit \} \} to override its rule's limit/,
    )
    await expect(l.limit({ descriptors: [bad[4]] } as DescriptorRequest)).rejects.toThrow(
      /descriptors\[0\]\.limit must be \{ requests_per_unit, unit \}/,
    )
  })
})
