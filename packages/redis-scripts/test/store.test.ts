// scriptStore over a minimal adapter (an ioredis client's EVAL and DEL, the way a new client's
// store is written): decisions exact, batches in one call, and calls kept under maxRequestBytes.
import { fixedWindow, gcra } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { type ScriptCall, type ScriptClient, scriptStore } from '../src/index.ts'

const client = new Redis(inject('redisUrl'))
afterAll(() => client.quit())

const NOW = 1_700_000_000_000
const limits = [fixedWindow({ limit: 3, window: '1h' })]
const request = (key: string, over: Partial<StoreRequest> = {}): StoreRequest => ({
  key,
  limits,
  cost: 1,
  consume: true,
  now: NOW,
  ...over,
})

/** The adapter, recording every call it runs. */
function recordingAdapter(maxRequestBytes?: number): { adapter: ScriptClient; calls: ScriptCall[] } {
  const calls: ScriptCall[] = []
  const adapter: ScriptClient = {
    run(script, keys, args) {
      calls.push({ script, keys: [...keys], args: [...args] })
      return client.eval(script.lua, keys.length, ...keys, ...args)
    },
    del: (keys) => client.del(...keys),
    ...(maxRequestBytes === undefined ? {} : { maxRequestBytes }),
  }
  return { adapter, calls }
}

const bytesOf = (call: ScriptCall): number =>
  [...call.keys, ...call.args].reduce((sum, text) => sum + Buffer.byteLength(text), 0)

const storeOn = (adapter: ScriptClient) =>
  scriptStore({
    name: 'test',
    client: adapter,
    prefix: `rs-store:${Math.random().toString(36).slice(2)}:`,
    clock: 'server',
    timeoutMs: 20_000,
  })

describe('scriptStore', () => {
  it("a lone decision runs its algorithm's script; the decisions of a turn run the engine once", async () => {
    const { adapter, calls } = recordingAdapter()
    const store = storeOn(adapter)
    expect(store.name).toBe('test')
    expect((await store.apply(request('alone')))[0]?.remaining).toBe(2)
    expect(calls.map((c) => c.script.name)).toEqual([expect.stringMatching(/^sluice_fixedWindow_/)])
    calls.length = 0
    const decisions = await Promise.all([0, 1, 2, 3].map(() => store.apply(request('turn'))))
    expect(decisions.map(([d]) => d?.allowed)).toEqual([true, true, true, false])
    expect(calls.map((c) => c.script.name)).toEqual([expect.stringMatching(/^sluice_engine_/)])
    await store.reset('turn', limits)
    expect((await store.apply(request('turn')))[0]?.remaining).toBe(2)
  })

  it('splits a turn into calls under maxRequestBytes, deciding each decision exactly once, in order', async () => {
    const maxRequestBytes = 1500
    const { adapter, calls } = recordingAdapter(maxRequestBytes)
    const store = storeOn(adapter)
    const composite = [fixedWindow({ limit: 2, window: '1h' }), gcra({ rate: 5, period: '1h', burst: 5 })]
    // Long keys: each decision takes a good share of the bound.
    const keyOf = (i: number) => `${'k'.repeat(120)}:${i % 4}`
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.apply(request(keyOf(i), { limits: composite }))),
    )
    expect(calls.length).toBeGreaterThan(1)
    for (const call of calls) expect(bytesOf(call)).toBeLessThanOrEqual(maxRequestBytes)
    // Each of the 4 keys got 3 decisions: the first two admitted (limit 2), the third denied.
    expect(decisions.map(([d]) => d?.allowed)).toEqual([...Array(8).fill(true), ...Array(4).fill(false)])
  })
})
