// loadRulesDirectory on real temporary directories: the Envoy service's runtime directory, its merge rules and every refusal.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { referenceStore } from '../../../store-conformance/src/reference.ts'
import { loadRulesDirectory, MAX_RULES_FILES } from '../../src/entries/yaml.ts'
import { ConfigError, createRateLimiter, type RuleSet, RulesError } from '../../src/index.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-rules-dir-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Writes `text` at `name` under the test's directory, making folders on the way. */
function put(name: string, text: string): void {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

const domainText = (domain: string, ...rules: string[]) =>
  `domain: ${domain}\ndescriptors:\n${rules.map((r) => `  - ${r}\n`).join('')}`
const limit = (key: string, value: string | undefined, n: number, name: string) =>
  `{ key: ${key}${value === undefined ? '' : `, value: "${value}"`}, rate_limit: { unit: hour, requests_per_unit: ${n}, name: ${name} } }`

/** The policies a request to `rules` matches, by name. */
async function matched(rules: RuleSet | undefined, key: string, value: string) {
  if (rules === undefined) throw new Error('no rule set for the domain')
  const limiter = createRateLimiter({ store: referenceStore(), rules })
  const decision = await limiter.limit({ descriptors: [[{ key, value }]] })
  return decision.policies.map((p) => p.policy)
}

/** The error `fn` throws (it must throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

describe('loadRulesDirectory: what the service loads', () => {
  it('reads every file, in subfolders too and whatever its name, into a rule set per domain', async () => {
    put('api.yaml', domainText('api', limit('user', undefined, 5, 'api_user')))
    put('team/web.yml', domainText('web', limit('route', '/home', 7, 'web_home')))
    // The service reads every file of its runtime directory as rules, not only *.yaml.
    put('limits.conf', domainText('batch', limit('job', undefined, 1, 'batch_job')))
    const domains = loadRulesDirectory(dir)
    expect([...domains.keys()].sort()).toEqual(['api', 'batch', 'web'])
    expect(await matched(domains.get('api'), 'user', 'u1')).toEqual(['api_user'])
    expect(await matched(domains.get('web'), 'route', '/home')).toEqual(['web_home'])
    expect(await matched(domains.get('batch'), 'job', 'j')).toEqual(['batch_job'])
  })

  it('leaves out dotfiles and dot-folders: a Kubernetes ConfigMap volume loads once, through its links', async () => {
    // A ConfigMap volume: the data in a timestamped dot-folder, `..data` linking to it, and each
    // key a link through `..data`. Only the top-level links are rules.
    put('..2026_01_01/api.yaml', domainText('api', limit('user', undefined, 5, 'api_user')))
    symlinkSync('..2026_01_01', join(dir, '..data'))
    symlinkSync(join('..data', 'api.yaml'), join(dir, 'api.yaml'))
    put('.api.yaml.swp', 'not rules at all: {')
    const domains = loadRulesDirectory(dir)
    expect([...domains.keys()]).toEqual(['api'])
    expect(await matched(domains.get('api'), 'user', 'u')).toEqual(['api_user'])
  })

  it('refuses two files of one domain, naming both, as the service does by default', () => {
    put('a.yaml', domainText('api', limit('user', undefined, 5, 'a_user')))
    put('z/b.yaml', domainText('api', limit('route', undefined, 5, 'b_route')))
    const error = thrown(() => loadRulesDirectory(dir))
    expect(error).toBeInstanceOf(RulesError)
    expect(error.message).toMatch(/a\.yaml and z\/b\.yaml both name domain "api"/)
    expect(error.message).toMatch(/mergeDomains: true/)
  })

  it('with mergeDomains, merges the top-level descriptors of each file, files in name order', async () => {
    put('a.yaml', domainText('api', limit('user', undefined, 5, 'a_user'), limit('path', 'foo*', 5, 'a_foo')))
    put('b.yaml', domainText('api', limit('route', undefined, 5, 'b_route'), limit('path', 'f*', 5, 'b_f')))
    put('c.yaml', domainText('web', limit('route', undefined, 5, 'c_route')))
    const domains = loadRulesDirectory(dir, { mergeDomains: true })
    const api = domains.get('api')
    expect(api?.descriptors.map((d) => d.rateLimit?.name)).toEqual(['a_user', 'a_foo', 'b_route', 'b_f'])
    expect(api?.descriptors.map((d) => d.path)).toEqual([
      'descriptors[0]',
      'descriptors[1]',
      'descriptors[2]',
      'descriptors[3]',
    ])
    expect(await matched(api, 'user', 'u')).toEqual(['a_user'])
    expect(await matched(api, 'route', 'r')).toEqual(['b_route'])
    // Wildcards keep file order across files: a.yaml's foo* is tried before b.yaml's f*.
    expect(await matched(api, 'path', 'foobar')).toEqual(['a_foo'])
    expect(await matched(api, 'path', 'fab')).toEqual(['b_f'])
    expect(await matched(domains.get('web'), 'route', 'r')).toEqual(['c_route'])
  })

  it('merging, refuses a top-level descriptor in two files, naming both files and lines', () => {
    put('a.yaml', domainText('api', limit('user', undefined, 5, 'a_user'), limit('path', '/x', 5, 'a_x')))
    put('b.yaml', domainText('api', limit('route', undefined, 5, 'b_route'), limit('path', '/x', 9, 'b_x')))
    const error = thrown(() => loadRulesDirectory(dir, { mergeDomains: true }))
    expect(error).toBeInstanceOf(RulesError)
    expect(error.message).toMatch(
      /key "path" with value "\/x" is in both a\.yaml \(line 4, column 5\) and b\.yaml \(line 4, column 5\)/,
    )
    // The same key at different values, or nested, is no conflict.
    put('b.yaml', domainText('api', limit('path', '/y', 9, 'b_y')))
    expect(loadRulesDirectory(dir, { mergeDomains: true }).get('api')?.descriptors).toHaveLength(3)
  })
})

describe('loadRulesDirectory: refusals, each naming the file', () => {
  it('a bad file: its name, line and column', () => {
    put('good.yaml', domainText('api', limit('user', undefined, 5, 'u')))
    put(
      'team/bad.yaml',
      'domain: web\ndescriptors:\n  - key: user\n    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n',
    )
    const error = thrown(() => loadRulesDirectory(dir)) as RulesError
    expect(error).toBeInstanceOf(RulesError)
    expect(error.message).toMatch(
      /^rules: team\/bad\.yaml: line 4, column 25, at descriptors\[0\]\.rate_limit\.unit: unknown unit "fortnight"/,
    )
    expect(error.line).toBe(4)
  })

  it('a file that is not rules (a README): named, with why it was read at all', () => {
    put('api.yaml', domainText('api', limit('user', undefined, 5, 'u')))
    put('README.md', '# Rate limits\n\nThese files configure the limits.\n')
    const error = thrown(() => loadRulesDirectory(dir))
    expect(error).toBeInstanceOf(RulesError)
    expect(error.message).toMatch(/^rules: README\.md: /)
    expect(error.message).toMatch(/every file of a rules directory is read as rules/)
  })

  it('an empty directory, or one with only dotfiles', () => {
    expect(thrown(() => loadRulesDirectory(dir)).message).toMatch(/holds no rules file/)
    put('.hidden.yaml', domainText('api', limit('user', undefined, 5, 'u')))
    const error = thrown(() => loadRulesDirectory(dir))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/holds no rules file/)
  })

  it('an unreadable file (a broken link) and a file that is not a regular file: refused, where the service skips them', () => {
    put('api.yaml', domainText('api', limit('user', undefined, 5, 'u')))
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'web.yaml'))
    const broken = thrown(() => loadRulesDirectory(dir))
    expect(broken).toBeInstanceOf(ConfigError)
    expect(broken.message).toMatch(/cannot read "web\.yaml".*would skip it with a warning/)
    rmSync(join(dir, 'web.yaml'))
    // A device, reached through a link: neither a file nor a folder.
    symlinkSync('/dev/null', join(dir, 'null.yaml'))
    expect(thrown(() => loadRulesDirectory(dir)).message).toMatch(/"null\.yaml" .* is not a regular file/)
  })

  it('a link to a folder, a link loop included: refused, never walked', () => {
    put('api.yaml', domainText('api', limit('user', undefined, 5, 'u')))
    symlinkSync('.', join(dir, 'loop'))
    const error = thrown(() => loadRulesDirectory(dir))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/"loop" .* is a link to a folder/)
  })

  it('a path that is no directory, bad options, too many files', () => {
    expect(thrown(() => loadRulesDirectory(join(dir, 'missing'))).message).toMatch(/cannot list/)
    expect(thrown(() => loadRulesDirectory(''))).toBeInstanceOf(ConfigError)
    expect(thrown(() => loadRulesDirectory(dir, { mergeDomains: 'yes' as never })).message).toMatch(
      /mergeDomains must be true or false/,
    )
    for (let i = 0; i <= MAX_RULES_FILES; i++) put(`f${i}.yaml`, domainText(`d${i}`))
    expect(thrown(() => loadRulesDirectory(dir)).message).toMatch(/more than 1000 files/)
  })
})
