import { fixedWindow, gcra, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import type { RedisConfigNodejs } from '@upstash/redis'
import { Redis as Admin } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'
import { recordRequests } from './support/requests.ts'

// SCRIPT FLUSH while calls are in flight: the store answers NOSCRIPT by loading the script again
// (SCRIPT LOAD, once for all the calls that met it) and retrying EVALSHA; no call may fail and the
// limit still admits exactly its quota.

const admin = new Admin(inject('redisUrl'))
afterAll(() => admin.quit())
let stop = () => {}
afterEach(() => stop())

describe('SCRIPT FLUSH in the middle of traffic', () => {
  it.each([
    ['auto-pipelined (the default)', {}],
    ['one request per command', { enableAutoPipelining: false }],
  ] as [string, Partial<RedisConfigNodejs>][])(
    'no call fails and counts stay exact (%s)',
    async (_, config) => {
      const store = upstashStore({
        client: upstashClient(config),
        prefix: randomPrefix('flush'),
        timeoutMs: 20_000,
      })
      const shared = [fixedWindow({ limit: 300, window: '1d' })]
      const others = [[tokenBucket({ capacity: 1000, refillRate: 1 })], [gcra({ rate: 1000, period: '1d' })]]
      const recorder = recordRequests()
      stop = recorder.stop
      const calls: Promise<unknown>[] = []
      const hot: Promise<boolean>[] = []
      for (let wave = 0; wave < 12; wave++) {
        const wavePromises: Promise<unknown>[] = []
        for (let i = 0; i < 40; i++) {
          const request: StoreRequest = { key: 'hot', limits: shared, cost: 1, consume: true, now: undefined }
          const decision = store.apply(request).then(([d]) => d?.allowed === true)
          hot.push(decision)
          const other = others[i % 2] as StoreRequest['limits']
          wavePromises.push(decision, store.apply({ ...request, key: `user-${i % 7}`, limits: other }))
          // Flush while this wave is being sent and answered.
          if (i === 20) await admin.script('FLUSH')
        }
        for (const call of wavePromises) calls.push(call)
        await Promise.all(wavePromises)
      }
      const results = await Promise.allSettled(calls)
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
      expect((await Promise.all(hot)).filter(Boolean).length).toBe(300)
      // The flushes really hit: the store loaded its scripts again after NOSCRIPT, more than once,
      // but never once per call: at most one load per script and flush (12 flushes and the first
      // load; the engine and the three kinds' own scripts), and never an EVAL.
      const loads = recorder.sent.flatMap(({ commands }) => commands).filter((c) => c[0] === 'script')
      expect(loads.length).toBeGreaterThan(1)
      expect(loads.length).toBeLessThanOrEqual(13 * 4)
      expect(recorder.sent.flatMap(({ commands }) => commands).filter((c) => c[0] === 'eval')).toEqual([])
    },
    60_000,
  )
})
