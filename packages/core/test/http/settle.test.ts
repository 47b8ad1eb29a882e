// Counting by outcome decided in one place: which ended responses give their units back, exactly once.
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { createRateLimitCheck } from '../../src/entries/http.ts'
import { BindingEventHub, type ResponseEnd } from '../../src/http/bindingEvents.ts'
import { createSettle } from '../../src/http/settle.ts'
import { createRateLimiter, type Decision, fixedWindow } from '../../src/index.ts'

const source = { binding: 'test', limiter: 'sluice' }
/** Core's types have no timers (it runs on the edge too): the global one, as the tests run on Node. */
const timer = (globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown }).setTimeout
/** Lets every promise settle (refunds and predicates run on their own): a macrotask comes after them. */
const drained = () => new Promise<void>((resolve) => timer(resolve, 0))

/** A decision whose refund counts its calls. */
function taken(kind: 'allowed' | 'denied' | 'listed' | 'degraded' | 'peeked') {
  const refund = vi.fn(() => Promise.resolve(true))
  const decision = {
    allowed: kind !== 'denied',
    limit: 5,
    remaining: 1,
    resetAfterMs: 1000,
    retryAfterMs: 0,
    delayMs: 0,
    policy: 'api',
    policies: [],
    ...(kind === 'listed' ? { listed: 'allow' } : {}),
    ...(kind === 'degraded' ? { degraded: { reason: 'store-error', mode: 'allow' } } : {}),
    ...(kind === 'peeked' ? {} : { refund }),
  } as unknown as Decision
  return { decision, refund }
}

describe('createSettle', () => {
  it('is undefined without skipFailedRequests or skipSuccessfulRequests: nothing to watch', () => {
    const outcomes = {
      skipFailedRequests: false,
      skipSuccessfulRequests: false,
      requestWasSuccessful: undefined,
    }
    expect(createSettle(outcomes, new BindingEventHub(), source, false)).toBeUndefined()
  })

  it('gives back exactly what the options say, for any end, predicate and decision', async () => {
    const end = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom<ResponseEnd>('aborted', 'threw'))
    const predicate = fc.constantFrom('none', 'true', 'false', 'async-true', 'throws', 'rejects')
    const kind = fc.constantFrom('allowed', 'denied', 'listed', 'degraded', 'peeked' as const)
    await fc.assert(
      fc.asyncProperty(fc.boolean(), end, predicate, kind, async (skipFailed, e, p, k) => {
        const verdicts: Record<string, (() => boolean | Promise<boolean>) | undefined> = {
          none: undefined,
          true: () => true,
          false: () => false,
          'async-true': () => Promise.resolve(true),
          throws: () => {
            throw new Error('predicate failed')
          },
          rejects: () => Promise.reject(new Error('predicate failed')),
        }
        const hub = new BindingEventHub()
        const refunds: unknown[] = []
        hub.on('refund', (event) => refunds.push(event))
        const settle = createSettle(
          {
            skipFailedRequests: skipFailed,
            skipSuccessfulRequests: !skipFailed,
            requestWasSuccessful: verdicts[p],
          },
          hub,
          source,
          false,
        )
        const { decision, refund } = taken(k)
        settle?.(decision, {}, {}, e)
        settle?.(decision, {}, {}, e)
        await drained()
        const counted = k === 'allowed'
        let succeeded: boolean | 'error'
        if (typeof e !== 'number') succeeded = false
        else if (p === 'none') succeeded = e < 400
        else if (p === 'throws' || p === 'rejects') succeeded = 'error'
        else succeeded = p !== 'false'
        const expected = counted && succeeded !== 'error' && succeeded !== skipFailed
        // Called once per settle call; the decision's own guard makes the second a no-op.
        expect(refund.mock.calls.length).toBe(expected ? 2 : 0)
        const errors = counted && succeeded === 'error' ? 2 : 0
        expect(refunds.length).toBe(expected ? 2 : errors)
      }),
      { numRuns: 300 },
    )
  })
})

describe('createRateLimitCheck with skipFailedRequests', () => {
  it('a real refund: the unit is back in the limiter once, never twice', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      algorithm: fixedWindow({ limit: 2, window: '1m', name: 'api' }),
      clock: () => 1_699_999_998_000,
    })
    const spec = { factory: 'rateLimit', clientAddress: () => '192.0.2.1' }
    const { check, settle, events } = createRateLimitCheck({ limiter, skipFailedRequests: true }, spec)
    const given: boolean[] = []
    events.on('refund', (event) => given.push(event.refunded))
    await check({})
    const outcome = await check({})
    if (outcome.action !== 'allow' || settle === undefined) throw new Error('expected an admitted request')
    settle(outcome.decision, {}, {}, 500)
    settle(outcome.decision, {}, {}, 'aborted')
    await drained()
    // The second resolves at once (already spent), the first after its store call.
    expect([...given].sort()).toEqual([false, true])
    expect((await limiter.peek('192.0.2.1')).remaining).toBe(1)
  })
})
