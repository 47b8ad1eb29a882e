// A burst on a cold script cache: one SCRIPT LOAD, then EVALSHA, and every request under Upstash's limit.
import { type Algorithm, fixedWindow, gcra, slidingLog, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import { Redis as Admin } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { KEY_LOCKING_SHEBANG, UPSTASH_TASK_BYTES } from '../src/scripts.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'
import { recordRequests, type SentRequest } from './support/requests.ts'

/** The local server refuses bodies over this, as Upstash does (Free and Pay-as-you-go plans). */
const UPSTASH_MAX_REQUEST = 10_000_000

const admin = new Admin(inject('redisUrl'))
afterAll(() => admin.quit())
let stop = () => {}
afterEach(() => stop())

const commandsOf = (sent: readonly SentRequest[]) => sent.flatMap(({ commands }) => commands)
const named = (sent: readonly SentRequest[], name: string) =>
  commandsOf(sent).filter((c) => String(c[0]).toLowerCase() === name)

describe('a burst of 1,000 decisions right after SCRIPT FLUSH', () => {
  it.each([
    ['batched (the default)', true],
    ['each decision alone (batch: false)', false],
  ])(
    'all answered exactly, one SCRIPT LOAD per script, no EVAL, every request under 10 MB (%s)',
    async (_, batch) => {
      const store = upstashStore({
        client: upstashClient(),
        prefix: randomPrefix('burst'),
        batch,
        timeoutMs: 60_000,
      })
      const hot: Algorithm[] = [fixedWindow({ limit: 600, window: '1d' })]
      const spread: Algorithm[][] = [
        [tokenBucket({ capacity: 1000, refillRate: 1, refillInterval: '1d' })],
        [gcra({ rate: 1000, period: '1d' })],
        [slidingLog({ limit: 1000, window: '1d' })],
      ]
      const request = (key: string, limits: Algorithm[]): StoreRequest => ({
        key,
        limits,
        cost: 1,
        consume: true,
        now: 1_700_000_000_000,
      })
      await admin.script('FLUSH')
      const recorder = recordRequests()
      stop = recorder.stop
      const hotCalls: Promise<boolean>[] = []
      const otherCalls: Promise<boolean>[] = []
      for (let i = 0; i < 1000; i++) {
        if (i % 2 === 0) hotCalls.push(store.apply(request('hot', hot)).then(([d]) => d?.allowed === true))
        else {
          const limits = spread[i % 3] as Algorithm[]
          otherCalls.push(
            store.apply(request(`user-${i % 50}`, limits)).then((ds) => ds.every((d) => d.allowed)),
          )
        }
      }
      // 500 on a limit of 600: all admitted; 500 spread over 50 keys, 10 each: all admitted.
      expect((await Promise.all(hotCalls)).filter(Boolean).length).toBe(500)
      expect((await Promise.all(otherCalls)).every(Boolean)).toBe(true)
      // 100 more on the hot key: exactly 100 admitted, then nothing.
      const more = await Promise.all(Array.from({ length: 101 }, () => store.apply(request('hot', hot))))
      expect(more.filter(([d]) => d?.allowed).length).toBe(100)

      const sent = recorder.sent
      const loads = named(sent, 'script').map((c) => String(c[2]))
      // One load per script text, never a second one for the same text, and no EVAL at all.
      expect(loads.length).toBeGreaterThan(0)
      expect(new Set(loads).size).toBe(loads.length)
      expect(named(sent, 'eval')).toEqual([])
      expect(named(sent, 'evalsha').length).toBeGreaterThan(loads.length)
      for (const text of loads) expect(text.startsWith(KEY_LOCKING_SHEBANG)).toBe(true)
      for (const r of sent) expect(r.bytes).toBeLessThan(UPSTASH_MAX_REQUEST)
    },
  )
})

describe('one event-loop task of script calls larger than a request may carry', () => {
  it('goes in several requests, each under the limit, every decision answered', async () => {
    // 600 decisions on 25 kB keys (Upstash takes keys up to 32 kB): about 15 MB of keys in one
    // task, more than the 10 MB one request may carry once the client joins the calls.
    const store = upstashStore({ client: upstashClient(), prefix: randomPrefix('big'), timeoutMs: 60_000 })
    const limits = [fixedWindow({ limit: 1, window: '1d' })]
    const recorder = recordRequests()
    stop = recorder.stop
    const calls = Array.from({ length: 600 }, (_, i) =>
      store.apply({
        key: `${'k'.repeat(25_000)}:${i}`,
        limits,
        cost: 1,
        consume: true,
        now: 1_700_000_000_000,
      }),
    )
    const decisions = await Promise.all(calls)
    expect(decisions.every(([d]) => d?.allowed === true)).toBe(true)
    const scriptRequests = recorder.sent.filter((r) => r.commands.some((c) => String(c[0]) === 'evalsha'))
    expect(scriptRequests.length).toBeGreaterThan(2)
    for (const r of scriptRequests) expect(r.bytes).toBeLessThanOrEqual(UPSTASH_TASK_BYTES)
  })
})
