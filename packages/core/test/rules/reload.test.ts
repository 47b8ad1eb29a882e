import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createRateLimiter,
  type Decision,
  parseRules,
  type RuleSet,
  RulesError,
  watchRules,
} from '../../src/node.ts'
import { referenceStore } from '../referenceStore.ts'

// Two rule sets that a request can tell apart: every policy of one set is named after it.
const ruleText = (set: string, limit: number) => `domain: api
descriptors:
  - key: user
    rate_limit: { unit: hour, requests_per_unit: ${limit}, name: ${set}_user }
  - key: route
    rate_limit: { unit: hour, requests_per_unit: ${limit}, name: ${set}_route }
  - key: plan
    descriptors:
      - key: tier
        rate_limit: { unit: hour, requests_per_unit: ${limit}, name: ${set}_tier }
`

const request = (i: number) => ({
  descriptors: [
    [{ key: 'user', value: `u${i % 7}` }],
    [{ key: 'route', value: `/r${i % 3}` }],
    [
      { key: 'plan', value: 'p' },
      { key: 'tier', value: `t${i % 2}` },
    ],
  ],
})

/** Every policy of a decision comes from one rule set, and all three rules matched. */
function oneSet(decision: Decision): string {
  const sets = new Set(decision.policies.map((p) => p.policy.split('_')[0]))
  expect(decision.policies).toHaveLength(3)
  expect(sets.size).toBe(1)
  return [...sets][0] as string
}

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

/** Resolves once `predicate` holds, polling; fails after `ms`. */
async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting for the reload')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('hot reload', () => {
  it('setRules swaps between requests under concurrent traffic: no request sees a half-loaded set', async () => {
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: parseRules(ruleText('a', 1_000_000)),
    })
    const b = parseRules(ruleText('b', 1_000_000))
    const a = limiter.rules
    const seen = new Set<string>()
    let swaps = 0
    const traffic = Array.from({ length: 2000 }, (_, i) => {
      if (i % 50 === 25) {
        limiter.setRules(swaps++ % 2 === 0 ? b : a)
      }
      return limiter.limit(request(i)).then((d) => seen.add(oneSet(d)))
    })
    await Promise.all(traffic)
    expect(swaps).toBe(40)
    expect(seen).toEqual(new Set(['a', 'b']))
  })

  it('setRules with bad rules throws and keeps the old set', async () => {
    const limiter = createRateLimiter({ store: referenceStore(), rules: parseRules(ruleText('a', 5)) })
    expect(() =>
      limiter.setRules({ domain: 'api', descriptors: [{ key: 'x', rate_limit: { unit: 'eon' } }] }),
    ).toThrow(RulesError)
    expect(oneSet(await limiter.limit(request(0)))).toBe('a')
  })

  it('watchRules: a valid new file takes effect, an invalid one is reported and the old rules stay', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a', 1_000_000))
    const limiter = createRateLimiter({
      store: referenceStore(),
      rules: parseRules(ruleText('a', 1_000_000)),
    })
    const loaded: RuleSet[] = []
    const errors: unknown[] = []
    const watcher = watchRules(
      file,
      (rules) => {
        loaded.push(rules)
        limiter.setRules(rules)
      },
      { onError: (e) => errors.push(e), debounceMs: 20 },
    )
    const seen: string[] = []
    let running = true
    // Traffic runs throughout; every decision must come from one whole rule set.
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        seen.push(oneSet(await limiter.limit(request(i))))
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    try {
      writeFileSync(file, ruleText('b', 1_000_000))
      await until(() => loaded.length === 1)
      expect(limiter.rules.descriptors[0]?.rateLimit?.name).toBe('b_user')

      // An invalid file: reported with its line, the b rules stay in force.
      writeFileSync(file, `${ruleText('c', 1_000_000)}        shadowmode: true\n`)
      await until(() => errors.length === 1)
      expect(errors[0]).toBeInstanceOf(RulesError)
      expect((errors[0] as RulesError).message).toMatch(/line 11, column 9.*did you mean "shadow_mode"/)
      expect(limiter.rules.descriptors[0]?.rateLimit?.name).toBe('b_user')

      // An editor that writes a new file and renames it over the old one.
      writeFileSync(join(dir, '.rules.yaml.swp'), ruleText('d', 1_000_000))
      renameSync(join(dir, '.rules.yaml.swp'), file)
      await until(() => loaded.length === 2)
      expect(limiter.rules.descriptors[0]?.rateLimit?.name).toBe('d_user')
    } finally {
      running = false
      await traffic
      watcher.close()
    }
    expect(new Set(seen)).toEqual(new Set(['a', 'b', 'd']))
    expect(seen.indexOf('d')).toBeGreaterThan(seen.lastIndexOf('a'))
    expect(errors).toHaveLength(1)
  })

  it('watchRules: close() stops reloading', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a', 5))
    let changes = 0
    const watcher = watchRules(file, () => changes++, { debounceMs: 5 })
    watcher.close()
    writeFileSync(file, ruleText('b', 5))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(changes).toBe(0)
  })
})
