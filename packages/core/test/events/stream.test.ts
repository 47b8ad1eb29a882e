// limiter.events: what each event carries, when it is emitted, and that nothing is built without listeners.
import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  createRateLimiter,
  type DecisionEvent,
  explainDecision,
  fixedWindow,
  type LimiterEventMap,
  type LimiterEvents,
  parseRules,
  tokenBucket,
} from '../../src/index.ts'
import { sleep, testStore } from '../resilience/support.ts'

const T0 = Date.UTC(2025, 0, 1, 12)

function collect<K extends keyof LimiterEventMap>(limiter: { events: LimiterEvents }, name: K) {
  const seen: LimiterEventMap[K][] = []
  const off = limiter.events.on(name, (e) => seen.push(e))
  return { seen, off }
}

describe('decision events', () => {
  it('carry the policy, outcome, numbers, time and store latency of each call, without the key by default', async () => {
    const { store } = testStore({ sync: true })
    let now = T0
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 2, window: '1m', name: 'per-minute' }),
      prefix: 'api',
      clock: () => now,
    })
    const { seen } = collect(limiter, 'decision')
    await limiter.limit('user:42')
    await limiter.limit('user:42', { cost: 1 })
    now += 1000
    await limiter.limit('user:42')
    await limiter.peek('user:42')
    expect(seen.map((e) => [e.operation, e.allowed, e.remaining, e.cost])).toEqual([
      ['limit', true, 1, 1],
      ['limit', true, 0, 1],
      ['limit', false, 0, 1],
      ['peek', true, 0, 0],
    ])
    const denied = seen[2] as DecisionEvent
    expect(denied).toMatchObject({
      limiter: 'api',
      key: undefined,
      policy: 'per-minute',
      algorithm: 'fixedWindow',
      limit: 2,
      retryAfterMs: 59_000,
      resetAfterMs: 59_000,
      delayMs: 0,
      degraded: undefined,
      cached: false,
      timeMs: T0 + 1000,
    })
    expect(denied.storeLatencyMs).toBeGreaterThanOrEqual(0)
    expect(denied.decision.allowed).toBe(false)
    expect(denied.limits.map((l) => l.name)).toEqual(['per-minute'])
    expect(JSON.stringify(seen.map(({ decision: _d, limits: _l, ...rest }) => rest))).not.toContain('user:42')
  })

  it('show the key only as exposeKey allows: as given, or through a function', async () => {
    const { store } = testStore({ sync: true })
    const algorithm = fixedWindow({ limit: 5, window: '1m' })
    const plain = createRateLimiter({ store, algorithm, prefix: 'a', exposeKey: true })
    const hashed = createRateLimiter({ store, algorithm, prefix: 'b', exposeKey: (k) => `#${k.length}` })
    const failing = createRateLimiter({
      store,
      algorithm,
      prefix: 'c',
      exposeKey: () => {
        throw new Error('no')
      },
    })
    const keys: (string | undefined)[] = []
    for (const l of [plain, hashed, failing]) l.events.on('decision', (e) => keys.push(e.key))
    for (const l of [plain, hashed, failing]) await l.limit('user:42')
    expect(keys).toEqual(['user:42', '#7', undefined])
  })

  it('are not built while nobody listens: exposeKey runs once per call with a listener, never without', async () => {
    const { store } = testStore({ sync: true })
    let shown = 0
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 100, window: '1m' }),
      exposeKey: (k) => {
        shown++
        return k
      },
    })
    for (let i = 0; i < 5; i++) await limiter.limit('k')
    expect(shown).toBe(0)
    const off = limiter.events.on('decision', () => {})
    expect(limiter.events.listenerCount('decision')).toBe(1)
    for (let i = 0; i < 5; i++) await limiter.limit('k')
    expect(shown).toBe(5)
    off()
    expect(limiter.events.listenerCount('decision')).toBe(0)
    for (let i = 0; i < 5; i++) await limiter.limit('k')
    expect(shown).toBe(5)
  })

  it('a listener that throws changes nothing: the decision stands and the error goes to the logger', async () => {
    const { store } = testStore({ sync: true })
    const errors: unknown[] = []
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      logger: { error: (fields) => errors.push(fields) },
      clock: () => T0,
    })
    const later: boolean[] = []
    limiter.events.on('decision', () => {
      throw new Error('listener bug')
    })
    limiter.events.on('decision', (e) => later.push(e.allowed))
    expect((await limiter.limit('k')).allowed).toBe(true)
    expect((await limiter.limit('k')).allowed).toBe(false)
    expect(later).toEqual([true, false])
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatchObject({
      event: 'decision',
      err: expect.objectContaining({ message: 'listener bug' }),
    })
  })

  it('a logger whose error() throws too changes nothing either', async () => {
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      logger: {
        error: () => {
          throw new Error('logger bug')
        },
      },
      clock: () => T0,
    })
    limiter.events.on('decision', () => {
      throw new Error('listener bug')
    })
    expect((await limiter.limit('k')).allowed).toBe(true)
    expect((await limiter.limit('k')).allowed).toBe(false)
  })

  it("a blocking rule (requests_per_unit: 0) is the event's limit, and an unlimited match is explained as such", async () => {
    const { store } = testStore({ sync: true })
    const rules = parseRules({
      domain: 'api',
      descriptors: [
        { key: 'user', rate_limit: { unit: 'minute', requests_per_unit: 5, name: 'per-user' } },
        {
          key: 'ip',
          value: '192.0.2.1',
          rate_limit: { unit: 'minute', requests_per_unit: 0, name: 'blocked-ip' },
        },
        { key: 'ldap', rate_limit: { unlimited: true, name: 'ldap' } },
      ],
    })
    const limiter = createRateLimiter({ store, rules, clock: () => T0 })
    const events = collect(limiter, 'decision')
    const blocked = await limiter.limit({
      descriptors: [[{ key: 'ip', value: '192.0.2.1' }], [{ key: 'user', value: 'u1' }]],
    })
    expect(blocked.allowed).toBe(false)
    expect(events.seen[0]).toMatchObject({ allowed: false, policy: 'blocked-ip' })
    expect(events.seen[0]?.limits.map((l) => l.name)).toEqual(['blocked-ip'])
    expect(explainDecision(events.seen[0] as DecisionEvent)).toMatch(/→ denied/)
    await limiter.limit({ descriptors: [[{ key: 'ldap', value: 'x' }]] })
    expect(explainDecision(events.seen[1] as DecisionEvent)).toMatch(/unlimited by ldap → allowed/)
  })

  it('a rules request that matches nothing is a decision with no policy and no algorithm', async () => {
    const { store } = testStore({ sync: true })
    const rules = parseRules({
      domain: 'api',
      descriptors: [{ key: 'route', value: '/a', rate_limit: { unit: 'minute', requests_per_unit: 1 } }],
    })
    const limiter = createRateLimiter({ store, rules, exposeKey: true })
    const { seen } = collect(limiter, 'decision')
    await limiter.limit({ descriptors: [[{ key: 'route', value: '/b' }]] })
    await limiter.limit({ descriptors: [[{ key: 'route', value: '/a' }]] })
    expect(
      seen.map((e) => [e.key, e.policy, e.algorithm, e.allowed, e.storeLatencyMs === undefined]),
    ).toEqual([
      ['route=/b', '', undefined, true, true],
      ['route=/a', 'route_/a', 'fixedWindow', true, false],
    ])
  })
})

describe('store events', () => {
  it('storeError, then breakerOpen after `failures` faults, then breakerClose when a probe succeeds', async () => {
    const t = testStore()
    const limiter = createRateLimiter({
      store: t.store,
      algorithm: tokenBucket({ capacity: 5, refillRate: 1 }),
      onStoreError: 'allow',
      circuitBreaker: { failures: 2, coolDownMs: 1 },
    })
    const order: string[] = []
    const errors = collect(limiter, 'storeError')
    const decisions = collect(limiter, 'decision')
    limiter.events.on('storeError', () => order.push('storeError'))
    limiter.events.on('breakerOpen', (e) => order.push(`breakerOpen:${e.store}:${e.retryAfterMs > 0}`))
    limiter.events.on('breakerClose', (e) => order.push(`breakerClose:${e.store}`))
    t.setFault('fail')
    await limiter.limit('k')
    await limiter.limit('k')
    expect(order).toEqual(['storeError', 'storeError', 'breakerOpen:test:true'])
    expect(errors.seen[0]).toMatchObject({ store: 'test', reason: 'store-error' })
    expect(errors.seen[0]?.error.message).toContain('connection refused')
    expect(decisions.seen.map((e) => [e.degraded, e.allowed, e.storeLatencyMs])).toEqual([
      ['store-error', true, undefined],
      ['store-error', true, undefined],
    ])
    t.setFault('none')
    // Past the 1 ms cool-down the next call is the probe; it succeeds and closes the circuit.
    await sleep(20)
    await limiter.limit('k')
    expect(order.at(-1)).toBe('breakerClose:test')
    expect(decisions.seen.at(-1)?.degraded).toBe(undefined)
    await limiter.close()
  })

  it('denyCacheHit when the deny cache answers, and the decision says cached, with no store latency', async () => {
    const t = testStore()
    const limiter = createRateLimiter({
      store: t.store,
      algorithm: fixedWindow({ limit: 1, window: '1m', name: 'one' }),
      clock: () => T0,
    })
    const hits = collect(limiter, 'denyCacheHit')
    const decisions = collect(limiter, 'decision')
    await limiter.limit('k')
    await limiter.limit('k')
    expect(t.counts.apply).toBe(2)
    await limiter.limit('k')
    expect(t.counts.apply).toBe(2)
    expect(hits.seen).toEqual([{ limiter: 'sluice', key: undefined, policy: 'one', retryAfterMs: 60_000 }])
    expect(decisions.seen.map((e) => [e.allowed, e.cached, e.storeLatencyMs === undefined])).toEqual([
      [true, false, false],
      [false, false, false],
      [false, true, true],
    ])
    await limiter.close()
  })
})

describe('rules events', () => {
  const rules = (unit: string) =>
    parseRules({
      domain: 'api',
      descriptors: [{ key: 'route', rate_limit: { unit, requests_per_unit: 1 } }],
    })

  it('rulesReloaded when setRules puts a set in force, rulesRejected when it refuses one', async () => {
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({ store, rules: rules('minute') })
    const reloaded = collect(limiter, 'rulesReloaded')
    const rejected = collect(limiter, 'rulesRejected')
    limiter.setRules(rules('hour'))
    expect(reloaded.seen).toHaveLength(1)
    expect(reloaded.seen[0]).toMatchObject({ limiter: 'sluice', domain: 'api' })
    expect(reloaded.seen[0]?.rules).toBe(limiter.rules)
    expect(() => limiter.setRules({ domain: '' })).toThrow(ConfigError)
    expect(rejected.seen).toHaveLength(1)
    expect(rejected.seen[0]?.error).toBeInstanceOf(ConfigError)
    expect(reloaded.seen).toHaveLength(1)
  })
})

describe('the listener API', () => {
  it('refuses unknown event names and non-function listeners with a ConfigError naming the events', () => {
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 1, window: '1m' }) })
    expect(() => limiter.events.on('decisions' as never, () => {})).toThrow(
      /unknown event "decisions"; the events are decision, storeError/,
    )
    expect(() => limiter.events.on('decision', 'x' as never)).toThrow(ConfigError)
    expect(() => limiter.events.listenerCount('toString' as never)).toThrow(ConfigError)
  })

  it('refuses a bad exposeKey or logger at construction', () => {
    const { store } = testStore({ sync: true })
    const algorithm = fixedWindow({ limit: 1, window: '1m' })
    expect(() => createRateLimiter({ store, algorithm, exposeKey: 'yes' as never })).toThrow(
      /exposeKey must be true, false or a function/,
    )
    expect(() => createRateLimiter({ store, algorithm, logger: {} as never })).toThrow(
      /logger must be an object with debug, info, warn and error methods/,
    )
    expect(() => createRateLimiter({ store, algorithm, logger: { info: 1 } as never })).toThrow(ConfigError)
  })

  it('off during an emit does not skip the other listeners of that emit', async () => {
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 9, window: '1m' }) })
    const calls: string[] = []
    const offA = limiter.events.on('decision', () => {
      calls.push('a')
      offA()
    })
    limiter.events.on('decision', () => calls.push('b'))
    await limiter.limit('k')
    await limiter.limit('k')
    expect(calls).toEqual(['a', 'b', 'b'])
  })
})
