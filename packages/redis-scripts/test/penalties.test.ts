// Penalties in the script layout: only a request with a penalty carries one (mode text, block key,
// the engine's status 2); a limiter without penalties sends exactly what it sent before.
import { createRateLimiter, fixedWindow, gcra } from '@sluice/core'
import type { Penalty, StoreRequest } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { engineCall, parseEngineReply, type ScriptClient, scriptStore, storeKeys } from '../src/index.ts'

const penalty: Penalty = { blockMs: 1000, factor: 1.5, maxBlockMs: 4000, forgetAfterMs: 500 }
const request = (over: Partial<StoreRequest> = {}): StoreRequest => ({
  key: 'api:user',
  limits: [fixedWindow({ limit: 3, window: 1000 })],
  cost: 1,
  consume: true,
  now: 1_700_000_000_000,
  ...over,
})

describe('layout', () => {
  it('a request without a penalty: mode and keys as before; with one: the penalty text after |', () => {
    const plain = request()
    const keys = storeKeys('', plain.key, plain.limits)
    const mode = (call: { args: string[] }) => call.args.at(-1)?.trimEnd().split(' ').at(-1)
    expect(mode(engineCall([{ request: plain, keys }], 1, 'server'))).toBe('1')
    const call = engineCall([{ request: request({ penalty, maxDelayMs: 5 }), keys }], 1, 'server')
    expect(mode(call)).toBe('1:5|1000:1.5:4000:500')
  })

  it('status 2 carries blockedUntil onto every decision, for a request with a penalty only', () => {
    const limits = [fixedWindow({ limit: 3, window: 1000 }), gcra({ rate: 2, period: 1000 })]
    const reply = '2 1700000009000 0 0 9000 9000 0 0 9000 9000'
    const [decisions] = parseEngineReply(reply, [{ request: request({ limits, penalty }) }])
    expect(decisions).toEqual([
      {
        allowed: false,
        limit: 3,
        remaining: 0,
        resetAfterMs: 9000,
        retryAfterMs: 9000,
        delayMs: 0,
        blockedUntil: 1_700_000_009_000,
      },
      {
        allowed: false,
        limit: 2,
        remaining: 0,
        resetAfterMs: 9000,
        retryAfterMs: 9000,
        delayMs: 0,
        blockedUntil: 1_700_000_009_000,
      },
    ])
    expect(() => parseEngineReply(reply, [{ request: request({ limits }) }])).toThrow(TypeError)
  })
})

describe('against Redis', () => {
  const client = new Redis(inject('redisUrl'))
  const sent: { script: string; keys: readonly string[] }[] = []
  afterAll(() => client.quit())

  const store = () => {
    const adapter: ScriptClient = {
      run: (script, keys, args) => {
        sent.push({ script: script.name, keys: [...keys] })
        return client.eval(script.lua, keys.length, ...keys, ...args)
      },
      del: (keys) => client.del(...keys),
    }
    return scriptStore({
      name: 'test',
      client: adapter,
      prefix: 'pen:',
      clock: 'server',
      timeoutMs: 5000,
      batch: false,
    })
  }

  it('without penalties no block key is read: the kind script, the limit key only', async () => {
    sent.length = 0
    const limiter = createRateLimiter({
      store: store(),
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      prefix: `p${Date.now()}`,
    })
    await limiter.limit('k')
    await limiter.limit('k')
    expect(sent.map((s) => [s.script.split('_')[1], s.keys.length])).toEqual([
      ['fixedWindow', 1],
      ['fixedWindow', 1],
    ])
  })

  it('with a penalty on the server clock: a denial blocks, a ban and an unban land beside the counters', async () => {
    sent.length = 0
    const prefix = `q${Date.now()}`
    const limiter = createRateLimiter({
      store: store(),
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      prefix,
      blockDuration: '10m',
    })
    await limiter.limit('k')
    const denied = await limiter.limit('k')
    expect(denied.retryAfterMs).toBe(600_000)
    expect(sent.map((s) => [s.script.split('_')[1], s.keys])).toEqual([
      ['engine', [`pen:{${prefix}:k}:${limiter.algorithms[0]?.id}:b`, `pen:{${prefix}:k}:!block`]],
      ['engine', [`pen:{${prefix}:k}:${limiter.algorithms[0]?.id}:b`, `pen:{${prefix}:k}:!block`]],
    ])
    const ttl = await client.pttl(`pen:{${prefix}:k}:!block`)
    expect(ttl).toBeGreaterThan(500_000)
    expect(ttl).toBeLessThanOrEqual(600_000)
    await limiter.unban('k')
    expect(await client.exists(`pen:{${prefix}:k}:!block`)).toBe(0)
    await limiter.ban('j', '1h')
    const banned = await limiter.peek('j')
    expect(banned.allowed).toBe(false)
    expect(banned.blockedUntil).toBeGreaterThan(Date.now() + 3_500_000)
  })
})
