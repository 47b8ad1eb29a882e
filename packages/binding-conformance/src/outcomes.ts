// Counting by outcome: skipFailedRequests, skipSuccessfulRequests and requestWasSuccessful give units back once the response has ended.
import { ConfigError, concurrency, type Decision } from '@sluice/core'
import { type BindingEvents, type BindingRefundEvent, bindingEvents } from '@sluice/core/http'
import { describe, expect, it } from 'vitest'
import type { HandlerReply } from './adapter.ts'
import type { Harness } from './harness.ts'

/** The next `refund` event of `events`, subscribed now (before the request that causes it). */
function nextRefund(events: BindingEvents): Promise<BindingRefundEvent> {
  return new Promise((resolve) => {
    const off = events.on('refund', (event) => {
      off()
      resolve(event)
    })
  })
}

/** A route whose status the test sets before each request (200, or an error status ≥ 400). */
function statusRoute() {
  let status = 200
  const route = (decision: Decision | undefined): Promise<HandlerReply> =>
    Promise.resolve({ status, body: { rateLimit: decision ?? null } })
  return { route, answer: (next: number) => (status = next) }
}

export function outcomeCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, perMinute, adapter } = h
  const remaining = (res: Response) => res.headers.get('ratelimit')

  describe('counting by outcome', () => {
    it('skipFailedRequests: a response ≥ 400 gives its unit back once, one < 400 stays counted', async () => {
      const events = bindingEvents()
      const refunds: BindingRefundEvent[] = []
      events.on('refund', (e) => refunds.push(e))
      const { route, answer } = statusRoute()
      const limiter = perMinute(2)
      const { url } = await serve({ limiter, skipFailedRequests: true, events }, { route })
      answer(404)
      for (let i = 0; i < 3; i++) {
        const refunded = nextRefund(events)
        const res = await fetch(url)
        expect([res.status, remaining(res)]).toEqual([404, '"api";r=1;t=42'])
        expect(await refunded).toMatchObject({ reason: 'failed', end: 404, refunded: true, policy: 'api' })
      }
      answer(200)
      expect(remaining(await fetch(url))).toBe('"api";r=1;t=42')
      expect(remaining(await fetch(url))).toBe('"api";r=0;t=42')
      expect((await fetch(url)).status).toBe(429)
      expect(refunds).toHaveLength(3)
    })

    it('skipSuccessfulRequests: a response < 400 gives its unit back, failures count until refused', async () => {
      const events = bindingEvents()
      const { route, answer } = statusRoute()
      const { url } = await serve({ limiter: perMinute(2), skipSuccessfulRequests: true, events }, { route })
      for (let i = 0; i < 3; i++) {
        const refunded = nextRefund(events)
        expect((await fetch(url)).status).toBe(200)
        expect(await refunded).toMatchObject({ reason: 'successful', end: 200, refunded: true })
      }
      answer(500)
      expect(remaining(await fetch(url))).toBe('"api";r=1;t=42')
      expect(remaining(await fetch(url))).toBe('"api";r=0;t=42')
      const refused = await fetch(url)
      expect(refused.status).toBe(429)
    })

    it('requestWasSuccessful decides (async, from the request), over the status', async () => {
      const events = bindingEvents()
      const { route, answer } = statusRoute()
      const seen: boolean[] = []
      const { url } = await serve(
        {
          limiter: perMinute(2),
          skipFailedRequests: true,
          events,
          requestWasSuccessful: async (req) => {
            const ok = adapter.header(req, 'x-ok') === 'yes'
            seen.push(ok)
            return ok
          },
        },
        { route },
      )
      // A 200 the predicate calls a failure is given back.
      const refunded = nextRefund(events)
      expect((await fetch(url, { headers: { 'x-ok': 'no' } })).status).toBe(200)
      expect(await refunded).toMatchObject({ reason: 'failed', end: 200, refunded: true })
      // A 500 it calls a success stays counted, as does a 200 it calls one.
      answer(500)
      expect(remaining(await fetch(url, { headers: { 'x-ok': 'yes' } }))).toBe('"api";r=1;t=42')
      answer(200)
      expect(remaining(await fetch(url, { headers: { 'x-ok': 'yes' } }))).toBe('"api";r=0;t=42')
      expect((await fetch(url, { headers: { 'x-ok': 'yes' } })).status).toBe(429)
      // Asked once per admitted request, never for the refusal.
      expect(seen).toEqual([false, true, true])
    })

    it('holds a concurrency lease while the handler runs and releases it when the response ends', async () => {
      const limiter = h.limiterOf(concurrency({ limit: 1, leaseMs: '1h', name: 'inflight' }))
      let entered!: () => void
      const inHandler = new Promise<void>((resolve) => (entered = resolve))
      let finish!: () => void
      const finished = new Promise<void>((resolve) => (finish = resolve))
      let calls = 0
      const route = async (): Promise<HandlerReply> => {
        if (++calls === 1) {
          entered()
          await finished
        }
        return { status: 200, body: {} }
      }
      const served = await serve({ limiter }, { route })
      const slow = fetch(served.url)
      await inHandler
      const refused = await fetch(served.url)
      expect(refused.status).toBe(429) // the one slot is held by the running request
      const closed = served.nextClose()
      finish()
      expect((await slow).status).toBe(200)
      await closed
      // The release is one store call after the response ended: wait for it, bounded.
      const deadline = Date.now() + 5000
      while ((await limiter.peek('127.0.0.1')).remaining === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect((await limiter.peek('127.0.0.1')).remaining).toBe(1)
      expect((await fetch(served.url)).status).toBe(200)
    })

    it('a client that leaves before the response is a failed request: given back', async () => {
      const events = bindingEvents()
      const limiter = perMinute(2)
      let entered!: () => void
      const inHandler = new Promise<void>((resolve) => (entered = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const route = async (): Promise<HandlerReply> => {
        entered()
        await released
        return { status: 200, body: {} }
      }
      const served = await serve({ limiter, skipFailedRequests: true, events }, { route })
      const refunded = nextRefund(events)
      const client = new AbortController()
      const request = fetch(served.url, { signal: client.signal }).catch((error: unknown) => error)
      await inHandler
      const closed = served.nextClose()
      client.abort()
      expect(await request).toBeInstanceOf(Error)
      await closed
      // The handler finishes after its client left (a fetch handler only then can tell).
      release()
      expect(await refunded).toMatchObject({ reason: 'failed', end: 'aborted', refunded: true })
      const peek = await limiter.peek('127.0.0.1')
      expect(peek.remaining).toBe(2)
    })

    it('a handler that throws is a failed request: given back', async () => {
      const events = bindingEvents()
      const route = () => Promise.reject(new Error('handler failed'))
      const limiter = perMinute(2)
      const { url, errors } = await serve({ limiter, skipFailedRequests: true, events }, { route })
      const refunded = nextRefund(events)
      expect((await fetch(url)).status).toBe(500)
      const event = await refunded
      // The framework's error handler answered 500 (Node frameworks), or no response came (fetch-style).
      expect([500, 'threw']).toContain(event.end)
      expect([event.reason, event.refunded]).toEqual(['failed', true])
      expect(errors).toHaveLength(1)
      // Read from the limiter: an error response need not carry the rate-limit headers.
      expect((await limiter.peek('127.0.0.1')).remaining).toBe(2)
    })

    it('gives back exactly once: never past what the request took', async () => {
      const events = bindingEvents()
      const refunds: BindingRefundEvent[] = []
      events.on('refund', (e) => refunds.push(e))
      const { route, answer } = statusRoute()
      const limiter = perMinute(3)
      const { url } = await serve({ limiter, skipFailedRequests: true, events }, { route })
      expect(remaining(await fetch(url))).toBe('"api";r=2;t=42')
      expect(remaining(await fetch(url))).toBe('"api";r=1;t=42')
      answer(503)
      const refunded = nextRefund(events)
      expect(remaining(await fetch(url))).toBe('"api";r=0;t=42')
      await refunded
      // Two successes stay counted: a second refund of the failure would show 2 left.
      expect((await limiter.peek('127.0.0.1')).remaining).toBe(1)
      expect(refunds).toHaveLength(1)
      const decision = refunds[0]?.decision as Decision
      expect(await decision.refund?.()).toBe(false)
      expect((await limiter.peek('127.0.0.1')).remaining).toBe(1)
    })

    it('never gives back for a refused, skipped, listed or invalid request', async () => {
      const events = bindingEvents()
      const refunds: BindingRefundEvent[] = []
      events.on('refund', (e) => refunds.push(e))
      const { route, answer } = statusRoute()
      const limiter = perMinute(1)
      const { url } = await serve(
        {
          limiter,
          skipFailedRequests: true,
          events,
          key: (req) => adapter.header(req, 'x-user') ?? '',
          skip: (req) => adapter.header(req, 'x-skip') === '1',
          allow: { keys: ['admin'] },
          deny: { keys: ['mallory'] },
        },
        { route },
      )
      answer(404)
      expect((await fetch(url, { headers: { 'x-user': 'ann', 'x-skip': '1' } })).status).toBe(404)
      expect((await fetch(url, { headers: { 'x-user': 'admin' } })).status).toBe(404)
      expect((await fetch(url, { headers: { 'x-user': 'mallory' } })).status).toBe(403)
      expect((await fetch(url)).status).toBe(400)
      answer(200)
      expect((await fetch(url, { headers: { 'x-user': 'ann' } })).status).toBe(200)
      expect((await fetch(url, { headers: { 'x-user': 'ann' } })).status).toBe(429)
      expect((await fetch(url, { headers: { 'x-user': 'ann' } })).status).toBe(429)
      expect(refunds).toEqual([])
      expect((await limiter.peek('ann')).remaining).toBe(0)
    })

    it('checks the options at construction, with what to do', () => {
      const limiter = perMinute(1)
      const build = (extra: Record<string, unknown>) => () => h.rateLimit({ limiter, ...extra } as never)
      expect(build({ skipFailedRequests: 'yes' })).toThrow(
        new ConfigError(
          `${adapter.factory ?? 'rateLimit'}: skipFailedRequests must be true or false, got "yes"`,
        ),
      )
      expect(build({ requestWasSuccessful: () => true })).toThrow(/set one of them, or remove it/)
      expect(build({ skipFailedRequests: true, skipSuccessfulRequests: true })).toThrow(
        /would count no request at all/,
      )
      expect(build({ skipFailedRequests: true, requestWasSuccessful: 'status < 400' })).toThrow(
        /requestWasSuccessful must be a function/,
      )
      expect(build({ skipFailedRequest: true })).toThrow(ConfigError)
      expect(build({ events: {} })).toThrow(/must be a stream made by bindingEvents\(\)/)
    })
  })
}
