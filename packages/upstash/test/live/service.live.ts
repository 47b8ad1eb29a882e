// What the local server imitates, checked on the real service: limits and their error texts, key
// locking, the SCRIPT FLUSH burst, the server clock, and lost or hanging requests (chaos).
import { fixedWindow, StoreTimeoutError, slidingLog } from '@sluice/core'
import type { StoreRequest } from '@sluice/core/store'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { upstashStore } from '../../src/index.ts'
import { liveClient, livePrefix } from './support.ts'

afterEach(() => vi.restoreAllMocks())
const request = (key: string, limits: StoreRequest['limits'], now?: number): StoreRequest => ({
  key,
  limits,
  cost: 1,
  consume: true,
  now,
})

describe("Upstash's limits and error texts (what the local server answers)", () => {
  it('refuses a wrong token with WRONGPASS', async () => {
    const client = liveClient({ token: 'not-the-token', retry: false })
    await expect(client.get('k')).rejects.toThrow(/WRONGPASS invalid or missing auth token/)
  })

  it('refuses a key over 32 kB with "ERR max key size exceeded"', async () => {
    await expect(liveClient().set(`${livePrefix('key')}${'k'.repeat(33 * 1024)}`, 'v')).rejects.toThrow(
      /ERR max key size exceeded/,
    )
  })

  it('refuses a request over 10 MB with "ERR max request size exceeded"', async () => {
    const client = liveClient({ retry: false })
    await expect(client.set(livePrefix('big'), 'x'.repeat(10_500_000), { px: 10_000 })).rejects.toThrow(
      /ERR max request size exceeded/,
    )
  })
})

describe('key locking', () => {
  it('runs a flagged script on its declared keys and refuses an undeclared one', async () => {
    const client = liveClient()
    const [a, b] = [livePrefix('lock-a'), livePrefix('lock-b')]
    const flagged = (body: string) => `#!lua flags=allow-key-locking\n${body}`
    expect(await client.eval(flagged("return redis.call('SET', KEYS[1], '1', 'PX', 10000)"), [a], [])).toBe(
      'OK',
    )
    await expect(client.eval(flagged("return redis.call('GET', ARGV[1])"), [a], [b])).rejects.toThrow()
  })
})

describe('a burst of 1,000 decisions right after SCRIPT FLUSH', () => {
  it('answers every decision exactly', async () => {
    const client = liveClient()
    await client.scriptFlush()
    const store = upstashStore({ client, prefix: livePrefix('burst'), timeoutMs: 60_000 })
    const limits = [fixedWindow({ limit: 600, window: '1h' })]
    const decisions = await Promise.all(
      Array.from({ length: 1000 }, () => store.apply(request('hot', limits))),
    )
    expect(decisions.filter(([d]) => d?.allowed).length).toBe(600)
  })
})

describe("clock: 'server'", () => {
  it('decides on the database clock (TIME in a flagged script)', async () => {
    const client = liveClient()
    const prefix = livePrefix('clock')
    const limits = [slidingLog({ limit: 5, window: '1m' })]
    const before = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000)
    const [decision] = await upstashStore({ client, prefix, clock: 'server' }).apply(request('a', limits))
    vi.restoreAllMocks()
    expect(decision?.allowed).toBe(true)
    // The window ends a minute after the database's now, not a minute after 2001.
    expect(decision?.resetAfterMs).toBeGreaterThan(0)
    expect(decision?.resetAfterMs).toBeLessThanOrEqual(60_000)
    expect(Date.now() - before).toBeLessThan(60_000)
  })
})

describe('chaos', () => {
  it('requests lost before they leave are retried by the client: no decision lost or counted twice', async () => {
    const original = globalThis.fetch
    let n = 0
    // Every third request fails before it is sent, as a dropped connection would.
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
      ++n % 3 === 0 ? Promise.reject(new TypeError('fetch failed')) : original(input, init),
    )
    const store = upstashStore({
      client: liveClient(),
      prefix: livePrefix('lost'),
      timeoutMs: 60_000,
      batch: false,
    })
    const limits = [fixedWindow({ limit: 20, window: '1h' })]
    const decisions: boolean[] = []
    for (let i = 0; i < 30; i++)
      decisions.push(((await store.apply(request('k', limits)))[0]?.allowed ?? false) === true)
    expect(decisions.filter(Boolean).length).toBe(20)
    expect(n).toBeGreaterThan(30)
  })

  it('a hanging request ends in StoreTimeoutError at the deadline, and the next call is answered', async () => {
    const original = globalThis.fetch
    let hang = true
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
      hang ? new Promise<Response>(() => {}) : original(input, init),
    )
    const store = upstashStore({ client: liveClient(), prefix: livePrefix('hang'), timeoutMs: 1000 })
    const limits = [fixedWindow({ limit: 5, window: '1h' })]
    await expect(store.apply(request('k', limits))).rejects.toBeInstanceOf(StoreTimeoutError)
    hang = false
    expect((await store.apply(request('k', limits)))[0]?.allowed).toBe(true)
  })
})
