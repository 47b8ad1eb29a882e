// The fixed window's bitfield state on a redis-server of its own: the commands a decision runs (from
// INFO commandstats), an upgrade over the text state, limits too large for the bitfield, the charge helper.
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { type StoreRequest, stepAll } from '@sluice/core/store'
import { type RedisServer, startRedis } from '@sluice/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ENGINE_SCRIPT,
  engineCall,
  KIND_SCRIPTS,
  parseEngineReply,
  parseSingleReply,
  type ScriptClient,
  scriptStore,
  singleArgs,
  storeKey,
  storeKeys,
} from '../src/index.ts'
import { fixedWindowState } from './support/fixedWindowState.ts'

const EPOCH = 1_700_000_000_000
const HOUR = 3_600_000
// INFO commandstats counts every client's commands: a server of this file's own.
let server: RedisServer
let client: Redis
beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
})
afterAll(async () => {
  await client?.quit()
  await server?.stop()
})

/** Calls per command since the last reset, scripts' own commands included; EVAL and INFO left out. */
async function commands(): Promise<Record<string, number>> {
  const info = String(await client.info('commandstats'))
  const calls: Record<string, number> = {}
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = match[1] as string
    if (name !== 'info' && name !== 'eval' && name !== 'evalsha' && name !== 'config|resetstat')
      calls[name] = Number(match[2])
  }
  return calls
}

type Via = 'kind' | 'engine'

/** One decision in one script call, and the commands that call ran inside the script. */
async function decide(request: StoreRequest, via: Via) {
  const keys = storeKeys('', request.key, request.limits)
  await client.config('RESETSTAT')
  let reply: unknown
  if (via === 'kind') {
    const limit = request.limits[0] as (typeof request.limits)[0]
    const raw = await client.eval(
      KIND_SCRIPTS[limit.kind].lua,
      1,
      keys[0] as string,
      ...singleArgs(request, 'client'),
    )
    reply = [parseSingleReply(raw, limit)]
  } else {
    const decisions = [{ request, keys }]
    const call = engineCall(decisions, decisions.length, 'client')
    reply = parseEngineReply(
      await client.eval(ENGINE_SCRIPT.lua, call.keys.length, ...call.keys, ...call.args),
      decisions,
    )[0]
  }
  return { decisions: reply, ran: await commands() }
}

describe('a lone fixed-window decision', () => {
  for (const via of ['kind', 'engine'] as const) {
    it(`runs one BITFIELD admitted and denied, plus SET PX on a window's first (${via})`, async () => {
      const limit = fixedWindow({ limit: 3, window: '1h' })
      const at = (now: number, over: Partial<StoreRequest> = {}): StoreRequest => ({
        key: `billed-${via}`,
        limits: [limit],
        cost: 1,
        consume: true,
        now,
        ...over,
      })
      const now = EPOCH + HOUR / 2
      let state: readonly number[] | undefined
      const expectStep = (request: StoreRequest, decisions: unknown) => {
        const expected = stepAll([limit], [state], request.now as number, request.cost, request.consume)
        expect(decisions).toStrictEqual(expected.decisions)
        if (expected.writes[0] !== undefined) state = expected.writes[0].state
      }
      const first = await decide(at(now), via)
      expectStep(at(now), first.decisions)
      expect(first.ran).toEqual({ bitfield: 1, set: 1 })
      for (const [t, allowed] of [
        [now + 1, true],
        [now + 2, true],
        [now + 3, false],
        [now + 4, false],
      ] as const) {
        const { decisions, ran } = await decide(at(t), via)
        expectStep(at(t), decisions)
        expect((decisions as { allowed: boolean }[])[0]?.allowed).toBe(allowed)
        expect(ran).toEqual({ bitfield: 1 })
      }
      // A peek reads with one GET and writes nothing.
      const peek = await decide(at(now + 5, { consume: false }), via)
      expectStep(at(now + 5, { consume: false }), peek.decisions)
      expect(peek.ran).toEqual({ get: 1 })
      // The next window: its first decision sets the new state with its TTL.
      const next = await decide(at(now + HOUR), via)
      expectStep(at(now + HOUR), next.decisions)
      expect(next.ran).toEqual({ bitfield: 1, set: 1 })
      const key = storeKey('', `billed-${via}`, limit)
      expect(fixedWindowState(3, (await client.getBuffer(key)) as Buffer)).toEqual(state)
      const pttl = await client.pttl(key)
      expect(pttl).toBeGreaterThan(0)
      expect(pttl).toBeLessThanOrEqual(HOUR / 2 + 1000)
    })
  }
})

describe('a batch of lone fixed-window decisions (the engine)', () => {
  it('runs one BITFIELD per decision, plus one SET PX per window started, each decision exact', async () => {
    const limit = fixedWindow({ limit: 2, window: 1000, align: 'first-request' })
    const now = EPOCH + 400
    // Keys a and b: a's first, a, a (denied), b's first, b; then a again after its window ends.
    const plan: [string, number][] = [
      ['batch-a', now],
      ['batch-a', now + 1],
      ['batch-a', now + 2],
      ['batch-b', now + 3],
      ['batch-b', now + 4],
      ['batch-a', now + 1000],
    ]
    const requests: StoreRequest[] = plan.map(([key, at]) => ({
      key,
      limits: [limit],
      cost: 1,
      consume: true,
      now: at,
    }))
    const decisions = requests.map((request) => ({
      request,
      keys: storeKeys('', request.key, request.limits),
    }))
    const call = engineCall(decisions, decisions.length, 'client')
    await client.config('RESETSTAT')
    const replies = parseEngineReply(
      await client.eval(ENGINE_SCRIPT.lua, call.keys.length, ...call.keys, ...call.args),
      decisions,
    )
    expect(await commands()).toEqual({ bitfield: 6, set: 3 })
    const states = new Map<string, readonly number[] | undefined>()
    replies.forEach((reply, i) => {
      const request = requests[i] as StoreRequest
      const expected = stepAll([limit], [states.get(request.key)], request.now as number, 1, true)
      expect(reply, `decision ${i}`).toStrictEqual(expected.decisions)
      if (expected.writes[0] !== undefined) states.set(request.key, expected.writes[0].state)
    })
    expect(replies.map((r) => (typeof r === 'string' ? r : r[0]?.allowed))).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
    ])
  })
})

describe('state format', () => {
  const adapter: () => ScriptClient = () => ({
    run: (script, keys, args) => client.eval(script.lua, keys.length, ...keys, ...args),
    del: (keys) => client.del(...keys),
  })

  it('an old text state under the old key is left alone: counting starts fresh under the new key', async () => {
    const limit = fixedWindow({ limit: 3, window: '1h' })
    const oldKey = `{sluice:upgraded}:${limit.id}`
    // What the previous version wrote: 'windowStart count', the window exhausted.
    await client.set(oldKey, `${EPOCH} 3`, 'PX', HOUR)
    const store = scriptStore({
      name: 'test',
      client: adapter(),
      prefix: '',
      clock: 'client',
      timeoutMs: 5000,
    })
    const limiter = createRateLimiter({ store, algorithm: limit, clock: () => EPOCH + 10 })
    try {
      const d = await limiter.limit('upgraded')
      expect(d).toMatchObject({ allowed: true, remaining: 2 })
      expect((await limiter.limit('upgraded', { cost: 2 })).remaining).toBe(0)
      expect((await limiter.limit('upgraded')).allowed).toBe(false)
      expect(await client.get(oldKey)).toBe(`${EPOCH} 3`)
      await limiter.reset('upgraded')
      expect(await client.exists(storeKey('', 'sluice:upgraded', limit))).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('limits up to 2^53 − 1 count exactly in the bitfield; larger ones keep the text state, exactly', async () => {
    for (const [limitValue, text] of [
      [2 ** 53 - 1, false],
      [2 ** 53, true],
      [2 ** 60, true],
    ] as const) {
      const limit = fixedWindow({ limit: limitValue, window: '1h' })
      let state: readonly number[] | undefined
      const now = EPOCH + 7
      for (const [cost, via] of [
        [limitValue - 2 ** 20, 'kind'],
        [2 ** 19, 'engine'],
        [2 ** 20, 'kind'],
        [1, 'engine'],
        [2 ** 19, 'kind'],
      ] as const) {
        const request: StoreRequest = {
          key: `large-${limitValue}`,
          limits: [limit],
          cost,
          consume: true,
          now,
        }
        const expected = stepAll([limit], [state], now, cost, true)
        expect((await decide(request, via)).decisions, `limit ${limitValue}, cost ${cost}`).toStrictEqual(
          expected.decisions,
        )
        if (expected.writes[0] !== undefined) state = expected.writes[0].state
      }
      const raw = (await client.getBuffer(storeKey('', `large-${limitValue}`, limit))) as Buffer
      if (text) expect(raw.toString().split(' ').map(Number)).toEqual(state)
      else expect(fixedWindowState(limitValue, raw)).toEqual(state)
    }
  })

  it('a now outside the bitfield (negative: no limiter clock gives it) is a clear error that writes nothing', async () => {
    const limit = fixedWindow({ limit: 3, window: 1000 })
    const request: StoreRequest = { key: 'negative', limits: [limit], cost: 1, consume: true, now: -5 }
    await expect(decide(request, 'kind')).rejects.toThrow(/fixed window start -1000 is outside/)
    expect(await client.exists(storeKey('', 'negative', limit))).toBe(0)
  })
})
