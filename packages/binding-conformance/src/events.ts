// The binding's event stream: one `request` event per outcome, keys only as exposeKey shows them, and the diagnostics channel.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { fixedWindow } from '@sluice/core'
import { type BindingRequestEvent, bindingEvents } from '@sluice/core/http'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { Harness } from './harness.ts'
import { PEER_HEADER } from './harness.ts'

export function eventCases<Req, M>(h: Harness<Req, M>): void {
  const { serve, perMinute, adapter, limiterOf } = h

  describe('binding events', () => {
    it('one request event per outcome: allow, limit, skip, listed, invalid', async () => {
      const events = bindingEvents()
      const seen: BindingRequestEvent[] = []
      events.on('request', (e) => seen.push(e))
      const { url } = await serve(
        {
          limiter: perMinute(1),
          events,
          key: (req) => adapter.header(req, 'x-user') ?? '',
          skip: (req) => adapter.header(req, 'x-skip') === '1',
          allow: { keys: ['admin'] },
          deny: { keys: ['mallory'] },
        },
        { peer: 'header' },
      )
      const from = (headers: Record<string, string>) =>
        fetch(url, { headers: { [PEER_HEADER]: '192.0.2.1', ...headers } })
      const statuses: number[] = []
      const requests: Record<string, string>[] = [
        { 'x-user': 'ann' },
        { 'x-user': 'ann' },
        { 'x-user': 'ann', 'x-skip': '1' },
        { 'x-user': 'admin' },
        { 'x-user': 'mallory' },
        {},
      ]
      for (const headers of requests) statuses.push((await from(headers)).status)
      expect(statuses).toEqual([200, 429, 200, 200, 403, 400])
      expect(seen.map((e) => [e.action, e.status, e.policy, e.key])).toEqual([
        ['allow', undefined, 'api', undefined],
        ['limit', 429, 'api', undefined],
        ['skip', undefined, undefined, undefined],
        ['listed', undefined, undefined, undefined],
        ['listed', 403, undefined, undefined],
        ['invalid', 400, undefined, undefined],
      ])
      expect(seen[0]?.decision).toMatchObject({ allowed: true, remaining: 0 })
      expect(seen[1]?.decision).toMatchObject({ allowed: false })
      expect(new Set(seen.map((e) => typeof e.binding))).toEqual(new Set(['string']))
    })

    it("keys appear only as the limiter's exposeKey shows them", async () => {
      const events = bindingEvents()
      const keys: (string | undefined)[] = []
      events.on('request', (e) => keys.push(e.key))
      const limiter = limiterOf(fixedWindow({ limit: 5, window: '1m', name: 'api' }), {
        exposeKey: (key: string) => `hash(${key})`,
      })
      const { url } = await serve({ limiter, events, key: (req) => adapter.header(req, 'x-user') ?? '' })
      await fetch(url, { headers: { 'x-user': 'ann' } })
      expect(keys).toEqual(['hash(ann)'])
    })

    it('a throwing listener changes nothing; an unsubscribed one hears nothing', async () => {
      const events = bindingEvents()
      const stop = events.on('request', () => {
        throw new Error('listener failed')
      })
      const heard: string[] = []
      const off = events.on('request', (e) => heard.push(e.action))
      const { url } = await serve({ limiter: perMinute(5), events })
      const quiet = console.error
      console.error = () => undefined
      try {
        expect((await fetch(url)).status).toBe(200)
      } finally {
        console.error = quiet
      }
      stop()
      off()
      expect(events.listenerCount('request')).toBe(0)
      expect((await fetch(url)).status).toBe(200)
      expect(heard).toEqual(['allow'])
    })

    // Only where the binding makes a middleware with its own stream (the Fastify plugin and Nest's
    // module take one through `events`, which the cases above cover): not registered elsewhere,
    // rather than shown as skipped.
    const ownStream = adapter.events !== undefined ? it : undefined
    ownStream?.("the middleware's own stream hears its requests", async () => {
      const middleware = h.rateLimit({ limiter: perMinute(1) })
      const events = adapter.events?.(middleware)
      const actions: string[] = []
      events?.on('request', (e) => actions.push(e.action))
      const { url } = await h.app([middleware])
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(url)).status).toBe(429)
      expect(actions).toEqual(['allow', 'limit'])
    })

    it('publishes to the sluice:binding:request diagnostics channel', async () => {
      const published: BindingRequestEvent[] = []
      const listener = (message: unknown) => published.push(message as BindingRequestEvent)
      subscribe('sluice:binding:request', listener)
      onTestFinished(() => {
        unsubscribe('sluice:binding:request', listener)
      })
      const limiter = perMinute(5)
      const { url } = await serve({ limiter })
      expect((await fetch(url)).status).toBe(200)
      const ours = published.filter((e) => e.limiter === limiter.events.limiter)
      expect(ours.map((e) => e.action)).toEqual(['allow'])
    })
  })
}
