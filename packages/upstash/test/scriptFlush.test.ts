import { fixedWindow, gcra, tokenBucket } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import type { RedisConfigNodejs } from '@upstash/redis'
import { Redis as Admin } from 'ioredis'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { upstashStore } from '../src/index.ts'
import { randomPrefix, upstashClient } from './support/clients.ts'
import { recordRequests } from './support/requests.ts'

// SCRIPT FLUSH while calls are in flight: the client answers NOSCRIPT by sending the script with
// EVAL; no call may fail and the limit still admits exactly its quota.

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
      // The flushes really hit: the client fell back to EVAL after NOSCRIPT, more than once.
      const evals = recorder.sent.flatMap(({ commands }) => commands).filter((c) => c[0] === 'eval')
      expect(evals.length).toBeGreaterThan(1)
    },
    60_000,
  )
})
