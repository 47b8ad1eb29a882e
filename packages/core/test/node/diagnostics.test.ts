// Node only: events on diagnostics channels (sluice:<event>), NODE_DEBUG=sluice, and watchRules(path, limiter).
import { execFile } from 'node:child_process'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRules, watchRules } from '../../src/entries/yaml.ts'
import {
  channelName,
  createRateLimiter,
  type DecisionEvent,
  fixedWindow,
  LIMITER_EVENT_NAMES,
} from '../../src/index.ts'
import { testStore } from '../resilience/support.ts'

describe('diagnostics channels', () => {
  const subscribed: [string, (message: unknown) => void][] = []
  afterEach(() => {
    for (const [name, fn] of subscribed.splice(0)) unsubscribe(name, fn)
  })

  it('publish every decision on sluice:decision, naming the limiter, only while subscribed', async () => {
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({
      store,
      algorithm: fixedWindow({ limit: 1, window: '1m' }),
      prefix: 'login',
      // A still clock: on the real one a minute boundary between the calls would admit the second.
      clock: () => 1_699_999_998_000,
    })
    const seen: DecisionEvent[] = []
    const fn = (message: unknown) => seen.push(message as DecisionEvent)
    subscribe('sluice:decision', fn)
    subscribed.push(['sluice:decision', fn])
    await limiter.limit('k')
    await limiter.limit('k')
    expect(seen.map((e) => [e.limiter, e.allowed])).toEqual([
      ['login', true],
      ['login', false],
    ])
    unsubscribe('sluice:decision', fn)
    await limiter.limit('k')
    expect(seen).toHaveLength(2)
  })

  it('one channel per event, named sluice:<event>', () => {
    expect(LIMITER_EVENT_NAMES.map(channelName)).toEqual([
      'sluice:decision',
      'sluice:storeError',
      'sluice:breakerOpen',
      'sluice:breakerClose',
      'sluice:rulesReloaded',
      'sluice:rulesRejected',
      'sluice:denyCacheHit',
    ])
  })
})

describe('NODE_DEBUG=sluice', () => {
  const run = promisify(execFile)
  const script = `
import { createRateLimiter, fixedWindow } from '@sluice/core'
const store = {
  name: 'map', capabilities: { algorithms: ['fixedWindow'], composite: true },
  applySync: ({ limits, now, cost }) => limits.map((l) => l.step(globalThis.s, now, cost)).map((r) => { globalThis.s = r.state; return r.decision }),
  apply() {}, reset: async () => {},
}
const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 1, window: '1m' }), clock: () => 0, exposeKey: true })
await limiter.limit('user:42')
await limiter.limit('user:42')
`
  const cwd = fileURLToPath(new URL('../..', import.meta.url))

  it('prints each decision explained on stderr, and nothing without the variable', async () => {
    const args = ['--conditions=@sluice/source', '--import', 'tsx', '--input-type=module', '-e', script]
    const on = await run(process.execPath, args, { cwd, env: { ...process.env, NODE_DEBUG: 'sluice' } })
    const lines = on.stderr.split('\n').filter((l) => l.includes('SLUICE'))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(
      /SLUICE \d+: \[sluice\] fixed window user:42: window 00:00:00.000–00:01:00.000, count 0\/1, cost 1 → allowed/,
    )
    expect(lines[1]).toMatch(/count 1\/1, cost 1 → denied, resets in 60 s/)
    const off = await run(process.execPath, args, { cwd, env: { ...process.env, NODE_DEBUG: '' } })
    expect(off.stderr).not.toContain('SLUICE')
  })
})

describe('watchRules(path, limiter)', () => {
  it('reports a file that does not parse as rulesRejected on the limiter, and a good one as rulesReloaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-watch-'))
    const file = join(dir, 'rules.yaml')
    const text = (n: number) =>
      `domain: api\ndescriptors:\n  - key: route\n    rate_limit: { unit: minute, requests_per_unit: ${n} }\n`
    writeFileSync(file, text(1))
    const { store } = testStore({ sync: true })
    const limiter = createRateLimiter({ store, rules: parseRules(text(1)) })
    const names: string[] = []
    const settled = new Promise<void>((resolve) => {
      limiter.events.on('rulesRejected', () => {
        names.push('rejected')
        writeFileSync(file, text(7))
      })
      limiter.events.on('rulesReloaded', (e) => {
        names.push(`reloaded:${e.domain}`)
        resolve()
      })
    })
    const errors: unknown[] = []
    const watcher = watchRules(file, limiter, { onError: (e) => errors.push(e), debounceMs: 5 })
    try {
      writeFileSync(file, 'domain: [')
      await settled
      expect(names).toEqual(['rejected', 'reloaded:api'])
      expect(errors).toHaveLength(1)
      expect(limiter.rules.descriptors[0]?.rateLimit?.algorithm?.limit).toBe(7)
    } finally {
      watcher.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
