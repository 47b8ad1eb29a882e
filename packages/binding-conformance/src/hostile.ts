// Hostile header values, keys and policy names over real HTTP (fast-check), with the store up or down.
import { ConfigError, fixedWindow, tokenBucket } from '@sluice/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Harness } from './harness.ts'

/** A field name (RFC 9110 token) and a field value the suite accepts: printable ASCII only. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\x20-\x7e]*$/

const nameArb = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom(' \t', 'x\r\nSet-Cookie: a=1', 'say "hi"', 'ünï', '\ud83d', 'a;q=1, "b"'),
)
// What a client can put in a header, and what a key function may add to it.
const userArb = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 20,
})

export function hostileCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, limiterOf, options, adapter } = h

  describe('hostile input', () => {
    it(
      'hostile header values, keys and policy names: only 200, 429 or 503, well-formed headers, and no body echoing the key',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            userArb,
            nameArb,
            fc.option(nameArb, { nil: undefined }),
            fc.constantFrom('healthy', 'deny', 'allow'),
            async (user, limitName, policyName, mode) => {
              const limiter = limiterOf(
                [
                  fixedWindow({ limit: 1, window: '1m', name: `x${limitName}` }),
                  tokenBucket({ capacity: 2, refillRate: 1, name: `x${limitName}/tb` }),
                ],
                mode === 'healthy' ? {} : { store: options.faultyStore(), onStoreError: mode },
              )
              const limitOptions = {
                limiter,
                key: (req: Req) => `${adapter.header(req, 'x-user')}\r\n\u00e9<victim@example.com>`,
                policyName,
                headers: 'both' as const,
              }
              // A blank policy name is a mistake the binding names at construction, never serves.
              if (policyName !== undefined && policyName.trim() === '') {
                expect(() => serve(limitOptions)).toThrow(ConfigError)
                return
              }
              const { url } = await serve(limitOptions)
              for (let i = 0; i < 3; i++) {
                const res = await fetch(url, { headers: { 'x-user': user } })
                const body = await res.text()
                expect([200, 429, 503]).toContain(res.status)
                expect(res.status === 503).toBe(mode === 'deny')
                expect(body).not.toContain('victim@example.com')
                res.headers.forEach((value, name) => {
                  expect(name).toMatch(TOKEN)
                  expect(value).toMatch(VALUE)
                })
                if (mode !== 'healthy') expect(res.headers.get('ratelimit')).toBeNull()
                if (res.status !== 200)
                  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
              }
            },
          ),
          { numRuns: options.numRuns },
        )
      },
      options.timeoutMs ?? 120_000,
    )
  })
}
