// Decision batching on one Redis server: one script call per turn, decided in issue order; each
// decision keeps its own outcome, deadline, failure policy and deny cache; close() mid-batch.
import {
  createRateLimiter,
  fixedWindow,
  gcra,
  type LimitDecision,
  StoreError,
  StoreTimeoutError,
  tokenBucket,
} from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { eventLoopLag, type RedisServer, startRedis } from '@sluice/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ioredisStore } from '../src/index.ts'
import { closeQuietly, randomPrefix } from './support/clients.ts'

/** What "settles within timeoutMs" may overrun by, besides the event loop lag measured meanwhile. */
const MARGIN_MS = 250
// A store deadline far above any stall of a loaded machine, where a test is not about deadlines.
const SLOW_MACHINE_MS = 20_000
const NOW = 1_700_000_000_000

// A server of this file's own: its command counts and pauses are this file's alone.
let server: RedisServer
let client: Redis
let admin: Redis
beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
  admin = new Redis(server.url)
})
afterAll(async () => {
  await Promise.all([closeQuietly(client), closeQuietly(admin)])
  await server.stop()
})

/** How many script calls the server has run since `resetStats` (EVAL and EVALSHA: Redis versions count them apart or as one). */
async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats')
  let calls = 0
  for (const match of info.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) calls += Number(match[1])
  return calls
}
const resetStats = () => admin.config('RESETSTAT')

const request = (
  key: string,
  limits: StoreRequest['limits'],
  over: Partial<StoreRequest> = {},
): StoreRequest => ({
  key,
  limits,
  cost: 1,
  consume: true,
  now: NOW,
  ...over,
})

/** A store with both scripts loaded (a lone decision's and the engine), so no EVAL after NOSCRIPT is counted. */
async function warmStore(options: { timeoutMs?: number; batch?: boolean; minBatch?: number } = {}) {
  const store = ioredisStore({ client, timeoutMs: SLOW_MACHINE_MS, ...options })
  const limits = [fixedWindow({ limit: 1, window: 1000 })]
  await Promise.all([0, 1].map(() => store.apply(request('warm', limits, { consume: false }))))
  return { store, prefix: randomPrefix('batch') }
}

describe('decisions of one turn', () => {
  it('go in one script call, decided in the order they were issued', async () => {
    const { store, prefix } = await warmStore()
    const limits = [fixedWindow({ limit: 5, window: 1000 })]
    await resetStats()
    const decisions = await Promise.all(
      Array.from({ length: 10 }, () => store.apply(request(`${prefix}one`, limits))),
    )
    expect(await scriptCalls()).toBe(1)
    expect(decisions.map(([d]) => d?.allowed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ])
    expect(decisions.map(([d]) => d?.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 0, 0, 0])
  })

  it('a decision awaited alone is one call of its own, and batch: false sends each alone', async () => {
    const { store, prefix } = await warmStore()
    // One token an hour: however long the machine stalls between calls, no key lapses and refills.
    const limits = [tokenBucket({ capacity: 3, refillRate: 1, refillInterval: '1h' })]
    await resetStats()
    for (let i = 0; i < 4; i++) await store.apply(request(`${prefix}alone`, limits))
    expect(await scriptCalls()).toBe(4)
    const unbatched = (await warmStore({ batch: false })).store
    await resetStats()
    const decisions = await Promise.all(
      Array.from({ length: 6 }, () => unbatched.apply(request(`${prefix}unbatched`, limits))),
    )
    expect(await scriptCalls()).toBe(6)
    expect(decisions.filter(([d]) => d?.allowed)).toHaveLength(3)
  })

  it("one decision's failure (a key of another type) fails that decision alone, and writes nothing of it", async () => {
    const { store, prefix } = await warmStore()
    const limits = [fixedWindow({ limit: 5, window: 1000 }), gcra({ rate: 5, period: 1000 })]
    const [firstOfBad, secondOfBad] = [`{${prefix}bad}:${limits[0]?.id}:b`, `{${prefix}bad}:${limits[1]?.id}`]
    await client.rpush(secondOfBad, 'not a state')
    await resetStats()
    const outcomes = await Promise.allSettled([
      store.apply(request(`${prefix}good`, limits)),
      store.apply(request(`${prefix}bad`, limits)),
      store.apply(request(`${prefix}good`, limits)),
    ])
    expect(await scriptCalls()).toBe(1)
    expect(outcomes[1]?.status).toBe('rejected')
    const error = (outcomes[1] as PromiseRejectedResult).reason
    expect(error).toBeInstanceOf(StoreError)
    expect(String(error)).toMatch(/WRONGTYPE/)
    expect(await client.exists(firstOfBad)).toBe(0)
    const remaining = outcomes.map((o) => (o.status === 'fulfilled' ? o.value[0]?.remaining : undefined))
    expect(remaining).toEqual([4, undefined, 3])
  })
})

describe('per decision, inside a batch', () => {
  it('each decision keeps its own deadline, and the failure policy answers each', async () => {
    const timeoutMs = 300
    const { store, prefix } = await warmStore({ timeoutMs })
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 100, window: '1h' }),
      onStoreError: 'allow',
      circuitBreaker: false,
    })
    // The server answers nothing for a while: every call of both batches times out on its own clock.
    await admin.client('PAUSE', 5 * timeoutMs, 'ALL')
    const lag = eventLoopLag()
    const timed = (key: string) => {
      const started = performance.now()
      return limiter.limit(key).then((decision) => ({ decision, ms: performance.now() - started }))
    }
    const first = Array.from({ length: 3 }, (_, i) => timed(`${prefix}a${i}`))
    await new Promise((resolve) => setTimeout(resolve, timeoutMs / 2))
    const second = Array.from({ length: 3 }, (_, i) => timed(`${prefix}b${i}`))
    const outcomes = await Promise.all([...first, ...second])
    lag.stop()
    for (const { decision, ms } of outcomes) {
      expect(decision.allowed).toBe(true)
      expect(decision.degraded?.reason).toBe('timeout')
      expect(ms).toBeGreaterThanOrEqual(timeoutMs - 1)
      expect(ms).toBeLessThan(timeoutMs + MARGIN_MS + lag.maxMs())
    }
    // At the store: a StoreTimeoutError for each.
    const raw = await Promise.allSettled([
      store.apply(request(`${prefix}c`, [fixedWindow({ limit: 1, window: 1000 })])),
    ])
    expect((raw[0] as PromiseRejectedResult).reason).toBeInstanceOf(StoreTimeoutError)
    await admin.client('UNPAUSE')
    const after = await limiter.limit(`${prefix}after`)
    expect(after.degraded).toBeUndefined()
  })

  it('the deny cache answers each decision: once a batch exhausts a counter, later turns send nothing', async () => {
    const { store, prefix } = await warmStore()
    // A still clock: a window boundary between the two turns would reopen the counter.
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 5, window: '1h' }),
      prefix,
      clock: () => NOW,
    })
    await resetStats()
    const first = await Promise.all(Array.from({ length: 12 }, () => limiter.limit('hot')))
    expect(first.filter((d) => d.allowed)).toHaveLength(5)
    expect(await scriptCalls()).toBe(1)
    const later = await Promise.all(Array.from({ length: 12 }, () => limiter.limit('hot')))
    expect(later.every((d) => !d.allowed)).toBe(true)
    expect(await scriptCalls()).toBe(1)
  })

  it('close() during a batch lets every decision settle, and later calls fail clearly', async () => {
    const { store, prefix } = await warmStore()
    const limits = [fixedWindow({ limit: 50, window: '1h' })]
    const pending = Array.from({ length: 20 }, () => store.apply(request(`${prefix}closing`, limits)))
    const closed = store.close()
    const outcomes = await Promise.allSettled(pending)
    await closed
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(StoreError)
      else expect((outcome.value as readonly LimitDecision[])[0]?.limit).toBe(50)
    }
    await expect(store.apply(request(`${prefix}closing`, limits))).rejects.toThrow(StoreError)
  })
})

describe('minBatch (internal): the fewest decisions of a turn that share an engine call', () => {
  it('a turn under minBatch goes one EVALSHA per decision; a full batch of 16 goes as one', async () => {
    const { store, prefix } = await warmStore({ minBatch: 16 })
    const limits = [fixedWindow({ limit: 12, window: '1h' })]
    await resetStats()
    const small = await Promise.all(
      Array.from({ length: 10 }, () => store.apply(request(`${prefix}small`, limits))),
    )
    expect(await scriptCalls()).toBe(10)
    expect(small.map(([d]) => d?.remaining)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    await resetStats()
    const full = await Promise.all(
      Array.from({ length: 16 }, () => store.apply(request(`${prefix}full`, limits))),
    )
    expect(await scriptCalls()).toBe(1)
    expect(full.map(([d]) => d?.allowed)).toEqual([...Array(12).fill(true), ...Array(4).fill(false)])
  })

  it('by default a turn of a few decisions shares one call', async () => {
    const { store, prefix } = await warmStore()
    const limits = [fixedWindow({ limit: 12, window: '1h' })]
    await resetStats()
    await Promise.all(Array.from({ length: 3 }, () => store.apply(request(`${prefix}few`, limits))))
    expect(await scriptCalls()).toBe(1)
  })
})
