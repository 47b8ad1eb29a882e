import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { parseRules, watchRules } from '../../src/entries/yaml.ts'
import { createRateLimiter, type Decision, type RuleSet, RulesError } from '../../src/index.ts'
import { settle, until } from './waits.ts'

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

// Each test's own timeout is above the sum of its waits (waits.ts).
const TEST_MS = 180_000

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

  it('watchRules: a valid new file takes effect, an invalid one is reported and the old rules stay', {
    timeout: TEST_MS,
  }, async () => {
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
      // The traffic has met the new rules (a loaded machine may run it seldom).
      await until(() => seen.includes('b'))

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
      await until(() => seen.includes('d'))
    } finally {
      running = false
      await traffic
      watcher.close()
    }
    expect(new Set(seen)).toEqual(new Set(['a', 'b', 'd']))
    expect(seen.indexOf('d')).toBeGreaterThan(seen.lastIndexOf('a'))
    expect(errors).toHaveLength(1)
  })

  it('watchRules: close() stops reloading', { timeout: TEST_MS }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a', 5))
    let changes = 0
    const watcher = watchRules(file, () => changes++, { debounceMs: 0 })
    watcher.close()
    // An open watcher that looks later than the closed one would have: once it has loaded the
    // change, the closed one had every chance to, so the check does not depend on a fixed sleep.
    const witnessed: RuleSet[] = []
    const witness = watchRules(file, (rules) => witnessed.push(rules), { debounceMs: 50 })
    try {
      writeFileSync(file, ruleText('b', 5))
      await until(() => witnessed.length === 1)
    } finally {
      witness.close()
    }
    expect(changes).toBe(0)
  })

  it('watchRules never applies a file caught mid-write: it waits until size and mtime hold still', {
    timeout: TEST_MS,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a', 5))
    const full = ruleText('c', 5)
    // Cut before the second rule: the prefix is valid YAML too, a set with one limit of three.
    const cut = full.indexOf('  - key: route')
    expect(parseRules(full.slice(0, cut)).descriptors).toHaveLength(1)

    // The watcher's debounce runs on fake time, so each look happens exactly when the test says:
    // the writer below pauses for a whole debounce mid-file, on any machine.
    const debounceMs = 1000
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const loaded: RuleSet[] = []
    const errors: unknown[] = []
    const watcher = watchRules(file, (rules) => loaded.push(rules), {
      debounceMs,
      onError: (e) => errors.push(e),
    })
    /** Runs the watcher's due look and waits until it is done: it loaded, reported, or set its next look. */
    const look = async () => {
      const seen = loaded.length + errors.length
      expect(vi.getTimerCount()).toBe(1)
      vi.advanceTimersByTime(debounceMs)
      await settle(() => vi.getTimerCount() > 0 || loaded.length + errors.length > seen)
    }
    const lookUntil = async (count: number) => {
      for (let i = 0; i < 10 && loaded.length < count; i++) await look()
      expect(loaded).toHaveLength(count)
    }
    try {
      // A whole file written at once loads, so the watcher has a last look to compare with.
      writeFileSync(file, ruleText('b', 5))
      await settle(() => vi.getTimerCount() === 1)
      await lookUntil(1)

      // In place, as a deploy or editor that does not rename: the first rule, a pause, the rest.
      const fd = openSync(file, 'w')
      try {
        writeSync(fd, full.slice(0, cut))
        await settle(() => vi.getTimerCount() === 1)
        await look()
        writeSync(fd, full.slice(cut))
      } finally {
        closeSync(fd)
      }
      await lookUntil(2)
    } finally {
      watcher.close()
      vi.useRealTimers()
    }
    expect(errors).toEqual([])
    // Only whole files reached onChange: the part-written one, one limit of three, never did.
    expect(loaded.map((rules) => rules.descriptors.length)).toEqual([3, 3])
    expect(loaded.map((rules) => rules.descriptors[0]?.rateLimit?.name)).toEqual(['b_user', 'c_user'])
  })
})
