import fc from 'fast-check'
import { expect, it } from 'vitest'
import { createRateLimitCheck, type RateLimitOutcome } from '../../src/entries/http.ts'
import { HEADER_MODES } from '../../src/http/headers.ts'
import {
  ConfigError,
  createRateLimiter,
  fixedWindow,
  type RateLimiter,
  tokenBucket,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

/** A header name is an RFC 9110 token; a value is visible ASCII and spaces, never CR or LF. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\x20-\x7e]*$/

const textArb = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc.constantFrom('x\r\nSet-Cookie: a=1', 'say "hi"', 'ünïcödé', '\ud83d', '%0d%0a', 'a;q=1, "b";r=2', '\\"'),
)

it('keys, policy and limit names with CR, LF, quotes or non-ASCII never make a malformed or injected header, and no body echoes the key', async () => {
  await fc.assert(
    fc.asyncProperty(
      textArb,
      fc.option(textArb, { nil: undefined }),
      textArb,
      fc.constantFrom(...HEADER_MODES),
      fc.constantFrom('none', 'fail') as fc.Arbitrary<'none' | 'fail'>,
      fc.integer({ min: 1, max: 4 }),
      async (rawKey, policyName, limitName, headers, fault, calls) => {
        const s = testStore()
        s.setFault(fault)
        let limiter: RateLimiter
        try {
          limiter = createRateLimiter({
            store: s.store,
            algorithm: [
              fixedWindow({ limit: 1, window: '1m', name: limitName }),
              tokenBucket({ capacity: 2, refillRate: 1, name: `${limitName}-tb` }),
            ],
            onStoreError: 'deny',
          })
        } catch (error) {
          // A blank name is refused by name.
          expect(error).toBeInstanceOf(ConfigError)
          return
        }
        // A key that could be a user's e-mail address: it must never be sent back.
        const key = `${rawKey}<victim@example.com>`
        let check: (req: unknown) => Promise<RateLimitOutcome>
        try {
          check = createRateLimitCheck(
            { limiter, key: () => key, policyName, headers },
            { factory: 'rateLimit' },
          ).check
        } catch (error) {
          // Two limits whose names collide once made ASCII are refused at construction.
          expect(error).toBeInstanceOf(ConfigError)
          expect((error as Error).message).toMatch(/both named|policyName/)
          return
        }
        for (let i = 0; i < calls; i++) {
          // Never a rejection: a bad key is the request's 400, a store fault the policy's 503.
          const outcome = await check({})
          if (outcome.action === 'skip' || outcome.action === 'drop') continue
          if (outcome.action === 'invalid') {
            // A key the limiter refuses (too long): a 400 that names the key, never its value.
            expect(outcome.invalid.status).toBe(400)
            expect(outcome.invalid.body).not.toContain('victim@example.com')
            expect(JSON.parse(outcome.invalid.body)).toEqual(outcome.invalid.problem)
            continue
          }
          for (const [name, value] of outcome.headers) {
            expect(name).toMatch(TOKEN)
            expect(value).toMatch(VALUE)
          }
          if (outcome.action === 'limit') {
            const { limited } = outcome
            expect([429, 503]).toContain(limited.status)
            expect(limited.status === 503).toBe(fault === 'fail')
            expect(limited.body).not.toContain('victim@example.com')
            expect(limited.body).not.toContain(rawKey.length > 3 ? rawKey : '\u0000never')
            expect(JSON.parse(limited.body)).toEqual(limited.problem)
            expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(1)
          } else {
            // A fail-open or fail-closed placeholder never advertises quota numbers.
            if (outcome.decision.degraded !== undefined) expect(outcome.headers).toEqual([])
          }
        }
      },
    ),
    { numRuns: 400 },
  )
})
