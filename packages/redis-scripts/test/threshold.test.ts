// The batcher's minBatch on a real Redis: a node's turn of fewer decisions goes one call per
// decision (its kind's script), a full batch as one engine call, and every decision stays exact and in order.
import { ConfigError, fixedWindow } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { type ScriptClient, scriptStore } from '../src/index.ts'

const client = new Redis(inject('redisUrl'))
afterAll(() => client.quit())

const NOW = 1_700_000_000_000
const request = (key: string, limit: number): StoreRequest => ({
  key,
  limits: [fixedWindow({ limit, window: '1h' })],
  cost: 1,
  consume: true,
  now: NOW,
})

/** A store over EVAL and DEL whose adapter records the name of every script it runs, in order. */
function recordingStore(minBatch?: number) {
  const scripts: string[] = []
  const adapter: ScriptClient = {
    run(script, keys, args) {
      scripts.push(script.name.startsWith('sluice_engine_') ? 'engine' : 'single')
      return client.eval(script.lua, keys.length, ...keys, ...args)
    },
    del: (keys) => client.del(...keys),
  }
  const store = scriptStore({
    name: 'test',
    client: adapter,
    prefix: `rs-threshold:${Math.random().toString(36).slice(2)}:`,
    clock: 'server',
    timeoutMs: 20_000,
    ...(minBatch === undefined ? {} : { minBatch }),
  })
  return { store, scripts }
}

/** `count` decisions on `key` issued in one turn, answered as [allowed, remaining] in issue order. */
async function turn(
  store: ReturnType<typeof recordingStore>['store'],
  key: string,
  count: number,
  limit: number,
) {
  const decisions = await Promise.all(Array.from({ length: count }, () => store.apply(request(key, limit))))
  return decisions.map(([d]) => [d?.allowed, d?.remaining])
}

/** What `count` decisions in order on a fresh key of `limit` answer. */
const expected = (count: number, limit: number) =>
  Array.from({ length: count }, (_, i) => [i < limit, Math.max(0, limit - 1 - i)])

describe('minBatch', () => {
  it('by default any two decisions of a turn share one engine call', async () => {
    const { store, scripts } = recordingStore()
    expect(await turn(store, 'two', 2, 1)).toEqual(expected(2, 1))
    expect(scripts).toEqual(['engine'])
  })

  it('a turn of fewer than minBatch decisions goes one single-script call each, exact and in order', async () => {
    const { store, scripts } = recordingStore(16)
    expect(await turn(store, 'small', 10, 5)).toEqual(expected(10, 5))
    expect(scripts).toEqual(Array(10).fill('single'))
  })

  it('a full batch goes as one engine call; the turn’s remainder under minBatch goes alone, after it', async () => {
    const { store, scripts } = recordingStore(16)
    expect(await turn(store, 'full', 16, 20)).toEqual(expected(16, 20))
    expect(scripts).toEqual(['engine'])
    scripts.length = 0
    // 20 in one turn: the first 16 leave as one engine call, the last 4 as single calls behind it.
    expect(await turn(store, 'more', 20, 18)).toEqual(expected(20, 18))
    expect(scripts).toEqual(['engine', ...Array(4).fill('single')])
  })

  it('minBatch above a full batch raises the early batch with it', async () => {
    const { store, scripts } = recordingStore(20)
    expect(await turn(store, 'under', 19, 30)).toEqual(expected(19, 30))
    expect(scripts).toEqual(Array(19).fill('single'))
    scripts.length = 0
    expect(await turn(store, 'at', 20, 30)).toEqual(expected(20, 30))
    expect(scripts).toEqual(['engine'])
  })

  it("one decision's failure in a turn of single calls fails that decision alone", async () => {
    const { store } = recordingStore(16)
    const bad = `bad:${Math.random().toString(36).slice(2)}`
    // The store's key for `bad` holds a list: its script fails with WRONGTYPE.
    const [first] = await store.apply(request(bad, 3))
    expect(first?.remaining).toBe(2)
    const keys = await client.keys(`*${bad}*`)
    expect(keys).toHaveLength(1)
    await client.del(keys[0] as string)
    await client.rpush(keys[0] as string, 'not a state')
    const outcomes = await Promise.allSettled([
      store.apply(request('fine', 3)),
      store.apply(request(bad, 3)),
      store.apply(request('fine', 3)),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/)
    const remaining = outcomes.map((o) => (o.status === 'fulfilled' ? o.value[0]?.remaining : undefined))
    expect(remaining).toEqual([2, undefined, 1])
  })

  it.each([1, 0, -3, 2.5, Number.NaN, '4', null])(
    'minBatch %s is a ConfigError saying what it takes',
    (minBatch) => {
      expect(() => recordingStore(minBatch as number)).toThrow(ConfigError)
      expect(() => recordingStore(minBatch as number)).toThrow(
        /test store: minBatch must be a whole number ≥ 2/,
      )
    },
  )
})
