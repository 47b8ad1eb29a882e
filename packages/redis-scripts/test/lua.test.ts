import {
  type Algorithm,
  type AlgorithmKind,
  type AlgorithmState,
  concurrency,
  fixedWindow,
  gcra,
  type LimitDecision,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'
import { type StoreRequest, stepAll } from '@sluice/core/store'
import type {} from '@sluice/test-services/vitest'
import * as fc from 'fast-check'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import {
  ENGINE_SCRIPT,
  engineCall,
  KIND_SCRIPTS,
  parseEngineReply,
  parseSingleReply,
  singleArgs,
  storeKeys,
} from '../src/index.ts'
import { fixedWindowBytes, fixedWindowState } from './support/fixedWindowState.ts'

// Step-level parity over arbitrary states: each case writes a state straight into Redis, runs a
// script once (its kind's script, or the engine deciding it as a batch of one), and compares
// decisions, the state written back and its TTL with core's stepAll. Traces through a store only
// reach states the algorithms produce; this also covers the rest.

const client = new Redis(inject('redisUrl'))
afterAll(() => client.quit())

const EPOCH = 1_700_000_000_000
const GRACE_MS = 1000
/** The TTL a test gives a fixed-window state it writes (see writeState). */
const KEPT_TTL_MS = 3_600_000
const prefix = `rs-lua:${Math.random().toString(36).slice(2)}:`
let sequence = 0

const duration = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(1, 3, 250, 1000, 60_000))
const rate = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0.1, 0.25, 1 / 3, 1.5, 7.7))
const small = fc.integer({ min: 1, max: 20 })
const nowArb = fc.integer({ min: 0, max: 100_000 }).map((d) => EPOCH + d)

/** Which script decides: the algorithm's own (one limit), or the engine (any decisions). */
type Via = 'kind' | 'engine'

/** The store keys of a request, as a store sends them. */
const keysOf = (request: StoreRequest): string[] => storeKeys(prefix, request.key, request.limits)

/** Decides `request` with one script call: its kind's script (one limit only) or the engine. */
async function decide(request: StoreRequest, via: Via): Promise<readonly LimitDecision[]> {
  const keys = keysOf(request)
  if (via === 'kind') {
    const limit = request.limits[0] as Algorithm
    const reply = await client.eval(
      KIND_SCRIPTS[limit.kind].lua,
      1,
      keys[0] as string,
      ...singleArgs(request, 'server'),
    )
    return [parseSingleReply(reply, limit)]
  }
  const [outcome] = await decideAll([request])
  if (typeof outcome === 'string') throw new Error(outcome)
  return outcome as readonly LimitDecision[]
}

/** Decides `requests` in order in one engine call: each one's decisions, or Redis's error text. */
async function decideAll(requests: readonly StoreRequest[]): Promise<(readonly LimitDecision[] | string)[]> {
  const decisions = requests.map((request) => ({ request, keys: keysOf(request) }))
  const { keys, args } = engineCall(decisions, decisions.length, 'server')
  return parseEngineReply(await client.eval(ENGINE_SCRIPT.lua, keys.length, ...keys, ...args), decisions)
}

interface Case {
  readonly via: Via
  readonly algorithm: Algorithm
  readonly state: AlgorithmState | undefined
  readonly now: number
  readonly cost: number
  readonly consume: boolean
}

/** A time relative to `now`: mostly close, sometimes far ahead (a caller whose clock lags the state's). */
function around(now: number, behind: number, ahead: number): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: -ahead, max: behind }).map((d) => now - d), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: 7_200_000 }).map((d) => now + d), weight: 1 },
  )
}

/** A state of `kind` for `algorithm` at `now`: typical, stale, odd, and from the future (a lagging caller). */
function stateArb(algorithm: Algorithm, now: number): fc.Arbitrary<AlgorithmState> {
  const p = algorithm.params as Record<string, number>
  const w = algorithm.windowMs
  const start = Math.floor(now / w) * w
  const count = fc.integer({ min: 0, max: algorithm.limit + 1 })
  switch (algorithm.kind) {
    case 'fixedWindow': {
      // A fixed window's bitfield counts up to its limit (its key names the limit: no other count).
      const count = fc.integer({ min: 0, max: algorithm.limit })
      if ((p as Record<string, unknown>).align === 'first-request') {
        // A window started at any time: open, just ended (now = start + w), long gone, or ahead of now.
        const began = fc.oneof(
          fc.integer({ min: -2 * w, max: w }).map((d) => now - d),
          fc.constantFrom(now - w, now - w + 1, now, now + w, now - 7 * w, start),
        )
        return fc.tuple(began, count)
      }
      return fc.tuple(fc.constantFrom(start, start - w, start + w, start - 7 * w, start + 7 * w), count)
    }
    case 'slidingWindow':
      return fc.tuple(
        fc.constantFrom(start, start - w, start - 2 * w, start + w, start + 9 * w),
        count,
        count,
      )
    case 'tokenBucket': {
      const full = (p.capacity as number) * (p.tokenUnits as number)
      return fc.tuple(fc.integer({ min: 0, max: full }), around(now, 200_000, 2000))
    }
    case 'gcra':
    case 'leakyBucket': {
      const den = p.intervalDen as number
      const span = Math.ceil((((p.burst ?? p.capacity) as number) + 3) * ((p.intervalNum as number) / den))
      const tat = fc.integer({ min: -2 * span - 10, max: span + 10 })
      const rest = fc.integer({ min: 0, max: den - 1 })
      // With the time of the latest write (at or before the TAT's start, or far ahead of now), or
      // without it, as states written before it was kept.
      return fc.oneof(
        fc
          .tuple(tat, rest, fc.integer({ min: 0, max: 7_200_000 }), fc.boolean())
          .map(([d, r, seen, ahead]) => [now + d, r, ahead ? now + seen : now + d - seen]),
        fc.tuple(tat, rest).map(([d, r]) => [now + d, r]),
      )
    }
    case 'slidingLog':
    case 'concurrency':
      return fc
        .array(
          fc.oneof(
            { arbitrary: fc.integer({ min: 0, max: 2 * w }), weight: 4 },
            { arbitrary: fc.integer({ min: -3 * w, max: -1 }), weight: 1 },
          ),
          { maxLength: algorithm.limit },
        )
        .map((ages) => ages.map((age) => now - age).sort((a, b) => a - b))
  }
}

function algorithmArb(kind: AlgorithmKind): fc.Arbitrary<Algorithm> {
  switch (kind) {
    case 'fixedWindow':
      return fc
        .record({
          limit: small,
          window: duration,
          align: fc.constantFrom('epoch' as const, 'first-request' as const),
        })
        .map(fixedWindow)
    case 'slidingLog':
      return fc.record({ limit: small, window: duration }).map(slidingLog)
    case 'concurrency':
      return fc.record({ limit: small, leaseMs: duration }).map(concurrency)
    case 'slidingWindow':
      return fc.record({ limit: small, window: duration }).map(slidingWindow)
    case 'tokenBucket':
      return fc.record({ capacity: small, refillRate: rate, refillInterval: duration }).map(tokenBucket)
    case 'gcra':
      return fc.record({ rate: small, period: duration, burst: small }).map(gcra)
    case 'leakyBucket':
      return fc.record({ capacity: small, leakRate: rate, leakInterval: duration }).map(leakyBucket)
  }
}

function caseArb(kind: AlgorithmKind): fc.Arbitrary<Case> {
  return fc.tuple(algorithmArb(kind), nowArb).chain(([algorithm, now]) =>
    fc.record({
      via: fc.constantFrom<Via>('kind', 'engine'),
      algorithm: fc.constant(algorithm),
      now: fc.constant(now),
      state: fc.option(stateArb(algorithm, now), { nil: undefined, freq: 5 }),
      cost: fc.integer({ min: 0, max: algorithm.maxCost }),
      consume: fc.boolean(),
    }),
  )
}

async function writeState(key: string, algorithm: Algorithm, state: AlgorithmState): Promise<void> {
  const { kind } = algorithm
  if (kind === 'fixedWindow') {
    // With a TTL, as every state is written: a decision in its window must leave that TTL alone.
    await client.set(key, fixedWindowBytes(algorithm.limit, state), 'PX', KEPT_TTL_MS)
    return
  }
  if (kind !== 'slidingLog' && kind !== 'concurrency') {
    await client.set(key, state.map(String).join(' '))
    return
  }
  if (state.length === 0) return
  const seen = new Map<number, number>()
  const args = state.flatMap((ts) => {
    const n = (seen.get(ts) ?? 0) + 1
    seen.set(ts, n)
    return [String(ts), `${ts}:${n}`]
  })
  await client.zadd(key, ...args)
}

async function readState(key: string, algorithm: Algorithm): Promise<AlgorithmState | undefined> {
  const { kind } = algorithm
  if (kind === 'fixedWindow') {
    const raw = await client.getBuffer(key)
    return raw === null ? undefined : fixedWindowState(algorithm.limit, raw)
  }
  if (kind !== 'slidingLog' && kind !== 'concurrency') {
    const raw = await client.get(key)
    return raw === null ? undefined : raw.split(' ').map(Number)
  }
  const flat = await client.zrange(key, '0', '-1', 'WITHSCORES')
  if (flat.length === 0) return undefined
  return flat.filter((_, i) => i % 2 === 1).map(Number)
}

async function check(c: Case, attempt = 1): Promise<void> {
  const { via, algorithm, state, now, cost, consume } = c
  const request = { key: `k${sequence++}`, limits: [algorithm], cost, consume, now }
  const key = keysOf(request)[0] as string
  const wroteAt = performance.now()
  if (state !== undefined) await writeState(key, algorithm, state)
  const before = await readState(key, algorithm)
  const sent = performance.now()
  const decisions = await decide(request, via)
  const expected = stepAll([algorithm], [state], now, cost, consume)
  expect(decisions).toStrictEqual(expected.decisions)
  const after = await readState(key, algorithm)
  const pttl = await client.pttl(key)
  // The TTL has run down by at most the time from sending the script to reading it (+1 ms rounding).
  const elapsed = Math.ceil(performance.now() - sent) + 1
  const sinceWrite = Math.ceil(performance.now() - wroteAt) + 1
  // A write lives at least GRACE_MS on Redis's clock: only a machine stalled that long can have let
  // it lapse before the reads above. Then the same case runs again on a fresh key (twice at most).
  if (elapsed >= GRACE_MS && attempt < 3) {
    await client.del(key)
    return check(c, attempt + 1)
  }
  const write = expected.writes[0]
  if (write === undefined) {
    // Nothing written: not a value, not a pruned log entry, not a TTL.
    expect(after).toStrictEqual(before)
    if (after !== undefined && algorithm.kind === 'fixedWindow') {
      expect(pttl).toBeGreaterThanOrEqual(KEPT_TTL_MS - sinceWrite)
      expect(pttl).toBeLessThanOrEqual(KEPT_TTL_MS)
    } else {
      expect(pttl).toBe(after === undefined ? -2 : -1)
    }
  } else if (write.ttlMs <= 0) {
    expect(after).toBeUndefined()
  } else if (algorithm.kind === 'fixedWindow' && before !== undefined && before[0] === write.state[0]) {
    // A fixed window's own window: one BITFIELD INCRBY, which keeps the TTL its start set.
    expect(after).toStrictEqual(write.state)
    expect(pttl).toBeGreaterThanOrEqual(KEPT_TTL_MS - sinceWrite)
    expect(pttl).toBeLessThanOrEqual(KEPT_TTL_MS)
  } else {
    expect(after).toStrictEqual(write.state)
    expect(pttl).toBeGreaterThanOrEqual(Math.ceil(write.ttlMs + GRACE_MS) - elapsed)
    expect(pttl).toBeLessThanOrEqual(Math.ceil(write.ttlMs + GRACE_MS))
  }
  await client.del(key)
}

describe('the Lua twins decide like core on arbitrary states', () => {
  const kinds: AlgorithmKind[] = [
    'fixedWindow',
    'slidingLog',
    'slidingWindow',
    'tokenBucket',
    'gcra',
    'leakyBucket',
    'concurrency',
  ]
  for (const kind of kinds) {
    it(kind, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(kind), (c) => check(c)),
        { numRuns: 150 },
      )
    })
  }
})

describe('the scripts themselves', () => {
  it('store state with every bit of a double (tostring would keep 14 digits)', async () => {
    // 2^52 - 1 has 16 digits: '%.14g' would store 4.5035996273705e+15.
    const now = 2 ** 52 - 1
    const algorithm = slidingWindow({ limit: 5, window: 1 })
    const fixed = fixedWindow({ limit: 5, window: 1 })
    for (const via of ['kind', 'engine'] as const) {
      const request = { key: `bits-${via}`, limits: [algorithm], cost: 2, consume: true, now }
      expect(await decide(request, via)).toStrictEqual(
        stepAll([algorithm], [undefined], now, 2, true).decisions,
      )
      expect(await client.get(keysOf(request)[0] as string)).toBe('4503599627370495 2 0')
      // The fixed window's bitfield holds it too.
      const request2 = { ...request, key: `bits-fw-${via}`, limits: [fixed] }
      await decide(request2, via)
      expect(await readState(keysOf(request2)[0] as string, fixed)).toStrictEqual([now, 2])
    }
  })

  it('store whole numbers past 2^53 and fractions with every bit too', async () => {
    const algorithm = slidingWindow({ limit: 5, window: 2 ** 20 })
    for (const [now, text] of [
      [2 ** 60, /^1\.152921504606847e\+18 1 0$/],
      [EPOCH + 0.5, /^1699999645696 1 0$/],
    ] as const) {
      const request = { key: `big${now}`, limits: [algorithm], cost: 1, consume: true, now }
      await decide(request, 'kind')
      const key = keysOf(request)[0] as string
      expect(await client.get(key)).toMatch(text)
      const stored = await readState(key, algorithm)
      expect(stored).toStrictEqual(stepAll([algorithm], [undefined], now, 1, true).writes[0]?.state)
    }
    const bucket = tokenBucket({ capacity: 2, refillRate: 1 / 3 })
    const state = [1.25, EPOCH - 0.75]
    for (const via of ['kind', 'engine'] as const) {
      await check({ via, algorithm: bucket, state, now: EPOCH, cost: 1, consume: true })
    }
  })

  it('a denied composite reports peeks for the limits that would admit, two of one kind included', async () => {
    const limits = [
      fixedWindow({ limit: 5, window: 1000 }),
      gcra({ rate: 1, period: 1000, burst: 1 }),
      fixedWindow({ limit: 9, window: 2000 }),
    ]
    const states = [undefined, [EPOCH + 900, 0], undefined]
    const request = { key: 'mixed', limits, cost: 1, consume: true, now: EPOCH }
    const keys = keysOf(request)
    await client.set(keys[1] as string, '1700000000900 0')
    const reply = await decide(request, 'engine')
    expect(reply).toStrictEqual(stepAll(limits, states, EPOCH, 1, true).decisions)
    // The first and third would admit: they report their cost-0 peek, and nothing is written.
    expect(reply.map((d) => d.allowed)).toStrictEqual([true, false, true])
    expect(await client.exists(keys[0] as string, keys[2] as string)).toBe(0)
  })

  it('return fractions, -0 and the like exactly (Redis would truncate a Lua number)', async () => {
    const limits = [
      slidingWindow({ limit: 5, window: 1000 }),
      tokenBucket({ capacity: 2, refillRate: 1 / 3 }),
    ]
    for (const now of [EPOCH + 0.5, EPOCH + 1 / 3, -0.25]) {
      const request = { key: `frac${now}`, limits, cost: 1, consume: true, now }
      const reply = await decide(request, 'engine')
      expect(reply).toStrictEqual(stepAll(limits, [undefined, undefined], now, 1, true).decisions)
      expect(reply[0]?.resetAfterMs).not.toBe(Math.trunc(reply[0]?.resetAfterMs ?? 0))
      const single = { ...request, key: `frac1${now}`, limits: [limits[0] as Algorithm] }
      expect(await decide(single, 'kind')).toStrictEqual(
        stepAll(single.limits, [undefined], now, 1, true).decisions,
      )
    }
  })

  it('read the server clock when now is empty, and keep TTLs exact then', async () => {
    const algorithm = fixedWindow({ limit: 5, window: '1h' })
    const serverNow = async (): Promise<number> => {
      const [sec, usec] = await client.time()
      return Number(sec) * 1000 + Math.floor(Number(usec) / 1000)
    }
    const hour = 3_600_000
    for (const via of ['kind', 'engine'] as const) {
      const request = {
        key: `server-clock-${via}`,
        limits: [algorithm],
        cost: 1,
        consume: true,
        now: undefined,
      }
      const before = await serverNow()
      const reply = (await decide(request, via))[0]
      const after = await serverNow()
      expect(reply?.allowed).toBe(true)
      // The script read TIME at some s in [before, after]; its window ends at the next whole hour.
      const reset = reply?.resetAfterMs ?? Number.NaN
      const readAt = [before, after].map((t) => Math.floor(t / hour) * hour + hour - reset)
      expect(readAt.some((s) => s >= before && s <= after)).toBe(true)
      // No grace on the server clock: the TTL is the reset, run down by at most the time since before.
      const pttl = await client.pttl(keysOf(request)[0] as string)
      const last = await serverNow()
      expect(pttl).toBeLessThanOrEqual(reset)
      expect(pttl).toBeGreaterThanOrEqual(reset - (last - before))
    }
  })

  it('log one unique sorted-set member per admitted unit, several calls in one millisecond included', async () => {
    // An hour: the log outlives any stall of the machine between the calls and the reads.
    const algorithm = slidingLog({ limit: 10, window: 3_600_000 })
    const now = EPOCH + 5
    for (const [cost, via] of [
      [3, 'kind'],
      [2, 'engine'],
      [4, 'kind'],
    ] as const) {
      await decide({ key: 'log', limits: [algorithm], cost, consume: true, now }, via)
    }
    const key = keysOf({ key: 'log', limits: [algorithm], cost: 0, consume: false, now })[0] as string
    expect(await client.zcard(key)).toBe(9)
    expect(new Set(await client.zrange(key, '0', '-1')).size).toBe(9)
  })

  it('the engine answers an unknown algorithm kind with an error for that decision alone', async () => {
    // ARGV: 1 declared key, 1 decision, 1 spec ('x', an unknown kind); the decision's plan is 'x'.
    const args = ['1', '1', '1', 'x', 'quota', '1', '1', '']
    const reply = await client.eval(ENGINE_SCRIPT.lua, 1, `${prefix}bad`, ...args, 'x 1 1 1\n')
    expect(reply).toStrictEqual(['0 1', 'ERR sluice: unknown algorithm kind quota'])
  })

  it('the engine refuses decisions text that does not hold the decisions it counts, writing nothing', async () => {
    const spec = ['1', '2', '1', 'f', 'fixedWindow', '5', '1000', '0']
    const keys = [`${prefix}text-a`, `${prefix}text-b`]
    const texts = ['f 1 1 1\n', 'f 1 1 1\nf 1 1 1\nf 1 1 1\n', 'f 1 1 1\nf 1 1\n', 'f 1 1 1\nf 1 1 1\nf']
    for (const text of texts) {
      await expect(client.eval(ENGINE_SCRIPT.lua, 2, ...keys, ...spec, text)).rejects.toThrow(/decisions/)
    }
    expect(await client.exists(...keys)).toBe(0)
  })
})
