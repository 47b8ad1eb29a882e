// watchRules on a real rules directory: ConfigMap swaps and subfolders seen, a bad or partial directory state never applied.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadRulesDirectory, watchRules } from '../../src/entries/yaml.ts'
import { ConfigError, type RuleSet, RulesError } from '../../src/index.ts'
import { settle, until } from './waits.ts'

// Three rules, each named after the set, so a loaded rule set tells which text it came from.
const ruleText = (set: string, domain = 'api') => `domain: ${domain}
descriptors:
  - key: user
    rate_limit: { unit: hour, requests_per_unit: 5, name: ${set}_user }
  - key: route
    rate_limit: { unit: hour, requests_per_unit: 5, name: ${set}_route }
  - key: plan
    rate_limit: { unit: hour, requests_per_unit: 5, name: ${set}_plan }
`
const setOf = (rules: RuleSet | undefined) => rules?.descriptors[0]?.rateLimit?.name?.split('_')[0]

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

// Each test's own timeout is above the sum of its waits (waits.ts).
const TEST_MS = 180_000

describe('watchRules on a directory', () => {
  it('needs the domain to deliver; checks it at the call', () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-dir-'))
    writeFileSync(join(dir, 'api.yaml'), ruleText('a'))
    expect(() => watchRules(dir as string, () => {})).toThrow(ConfigError)
    expect(() => watchRules(dir as string, () => {})).toThrow(/is a directory.*\{ domain: 'api' \}/)
    expect(() => watchRules(dir as string, () => {}, { domain: '' })).toThrow(
      /domain must be a non-empty string/,
    )
    expect(() => watchRules(dir as string, () => {}, { domain: 'api', mergeDomains: 1 as never })).toThrow(
      /mergeDomains must be true or false/,
    )
  })

  it('sees a ConfigMap swap and subfolders; a bad file anywhere, a duplicate domain or a missing domain is reported and nothing applied', {
    timeout: TEST_MS,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-dir-'))
    const at = (name: string) => join(dir as string, name)
    // As Kubernetes mounts a ConfigMap: data in a dot-folder, reached through ..data.
    mkdirSync(at('..v1'))
    writeFileSync(at('..v1/api.yaml'), ruleText('a'))
    symlinkSync('..v1', at('..data'))
    symlinkSync('..data/api.yaml', at('api.yaml'))
    mkdirSync(at('team'))
    writeFileSync(at('team/web.yaml'), ruleText('w', 'web'))
    expect(setOf(loadRulesDirectory(dir).get('api'))).toBe('a')

    const loaded: RuleSet[] = []
    const errors: unknown[] = []
    const watcher = watchRules(dir, (rules) => loaded.push(rules), {
      domain: 'api',
      debounceMs: 20,
      onError: (e) => errors.push(e),
    })
    try {
      // The swap Kubernetes makes: a new data folder, and ..data renamed onto a link to it.
      mkdirSync(at('..v2'))
      writeFileSync(at('..v2/api.yaml'), ruleText('b'))
      symlinkSync('..v2', at('..data_tmp'))
      renameSync(at('..data_tmp'), at('..data'))
      await until(() => loaded.length === 1)
      expect(setOf(loaded[0])).toBe('b')

      // A bad file in a subfolder, of another domain: the directory is refused whole.
      writeFileSync(at('team/web.yaml'), `${ruleText('w', 'web')}    shadowmode: true\n`)
      await until(() => errors.length === 1)
      expect(errors[0]).toBeInstanceOf(RulesError)
      expect((errors[0] as Error).message).toMatch(
        /^rules: team\/web\.yaml: line 9, column 5, .*did you mean "shadow_mode"/,
      )
      writeFileSync(at('team/web.yaml'), ruleText('w2', 'web'))
      await until(() => loaded.length === 2)
      expect(setOf(loaded[1])).toBe('b')

      // A second file of the api domain: refused naming both files; the b rules stay.
      writeFileSync(at('team/api2.yaml'), ruleText('c'))
      await until(() => errors.length === 2)
      expect((errors[1] as Error).message).toMatch(/api\.yaml and team\/api2\.yaml both name domain "api"/)
      rmSync(at('team/api2.yaml'))
      await until(() => loaded.length === 3)

      // The domain's file gone: reported, never applied as an empty rule set.
      rmSync(at('api.yaml'))
      await until(() => errors.length === 3)
      expect((errors[2] as Error).message).toMatch(/no file of .* names domain "api"/)
    } finally {
      watcher.close()
    }
    expect(loaded.map(setOf)).toEqual(['b', 'b', 'b'])
    expect(errors).toHaveLength(3)
  })

  it('never applies a file caught mid-write in the directory: it waits until every file holds still', {
    timeout: TEST_MS,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-dir-'))
    const file = join(dir, 'sub', 'api.yaml')
    mkdirSync(join(dir, 'sub'))
    writeFileSync(file, ruleText('a'))
    writeFileSync(join(dir, 'web.yaml'), ruleText('w', 'web'))
    const full = ruleText('c')
    // Cut before the second rule: the prefix is valid YAML too, a set with one limit of three.
    const cut = full.indexOf('  - key: route')
    expect(loadRulesDirectory(dir).get('api')?.descriptors).toHaveLength(3)

    // Each look happens exactly when the test says: the writer pauses a whole debounce mid-file.
    const debounceMs = 1000
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const loaded: RuleSet[] = []
    const errors: unknown[] = []
    const watcher = watchRules(dir, (rules) => loaded.push(rules), {
      domain: 'api',
      debounceMs,
      onError: (e) => errors.push(e),
    })
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
      writeFileSync(file, ruleText('b'))
      await settle(() => vi.getTimerCount() === 1)
      await lookUntil(1)

      // In place, in a subfolder: the first rule, a pause of a whole look, the rest.
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
    expect(loaded.map((rules) => rules.descriptors.length)).toEqual([3, 3])
    expect(loaded.map(setOf)).toEqual(['b', 'c'])
  })

  it('a single file with domain: a file naming another domain is reported, not loaded', {
    timeout: TEST_MS,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-dir-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a'))
    const loaded: RuleSet[] = []
    const errors: unknown[] = []
    const watcher = watchRules(file, (rules) => loaded.push(rules), {
      domain: 'api',
      debounceMs: 20,
      onError: (e) => errors.push(e),
    })
    try {
      writeFileSync(file, ruleText('x', 'web'))
      await until(() => errors.length === 1)
      expect((errors[0] as Error).message).toMatch(/names domain "web", not "api"/)
      writeFileSync(file, ruleText('b'))
      await until(() => loaded.length === 1)
    } finally {
      watcher.close()
    }
    expect(loaded.map(setOf)).toEqual(['b'])
  })
})
