// A directory of rules files to one rule set per domain, with the Envoy service's rules for two files of one domain (Node entry only).
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { ConfigError, RulesError } from '../errors.ts'
import { show } from '../validate.ts'
import { scanRulesDirectory } from './directoryScan.ts'
import type { Locate } from './location.ts'
import { sealRuleSet } from './ruleSet.ts'
import { validateRules } from './schema.ts'
import type { RuleSet } from './types.ts'
import { readYaml } from './yaml.ts'

/** Options of {@link loadRulesDirectory} (and of `watchRules` on a directory). */
export interface RulesDirectoryOptions {
  /**
   * Files naming one domain: `false` (the default, as the Envoy service by default) refuses
   * them, naming both files. `true` merges them as the service does with
   * `MERGE_DOMAIN_CONFIG=true`: the domain's top-level descriptors are those of each file, files
   * in name order; a top-level descriptor (key and value) in two files is refused, naming both.
   */
  readonly mergeDomains?: boolean
}

/** A rules file read from a directory: its name there and its text. */
export interface RulesText {
  readonly name: string
  readonly text: string
}

// Names a YAML or JSON file would have; any other file is read as rules too (as the service
// does), and its errors say why it was read at all.
const RULES_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/**
 * Reads every rules file of a directory, as the Envoy ratelimit service loads its runtime
 * directory, into one validated `RuleSet` per domain (Node entry). Every file in the directory
 * and its subdirectories is rules, whatever its name (the service reads them all); files and
 * folders whose name starts with `.` are left out (the service's `RUNTIME_IGNOREDOTFILES=true`,
 * which Kubernetes ConfigMap volumes need). Two files naming one domain are refused unless
 * `mergeDomains: true` (the service's `MERGE_DOMAIN_CONFIG`). Each problem is an error naming the
 * file (and line and column): a bad file, two files of one domain, an unreadable file, a link to
 * a folder, no rules file at all. Nothing is returned unless every file is valid.
 *
 * @example
 * import { loadRulesDirectory, watchRules } from '@sluice/core/yaml'
 * const domains = loadRulesDirectory('/etc/ratelimit/config') // ReadonlyMap<domain, RuleSet>
 * const rules = domains.get('api')
 * if (rules === undefined) throw new Error('no rules file names domain api')
 * const limiter = createRateLimiter({ store, rules })
 * const watcher = watchRules('/etc/ratelimit/config', (rules) => limiter.setRules(rules), { domain: 'api' })
 */
export function loadRulesDirectory(
  dir: string,
  options: RulesDirectoryOptions = {},
): ReadonlyMap<string, RuleSet> {
  const caller = 'loadRulesDirectory'
  checkDirectoryArgs(caller, dir, options)
  const texts: RulesText[] = []
  for (const file of scanRulesDirectory(dir, caller)) {
    let text: string
    try {
      text = readFileSync(file.path, 'utf8')
    } catch (cause) {
      throw new ConfigError(
        `${caller}: cannot read ${JSON.stringify(file.name)} in ${JSON.stringify(dir)} (${(cause as Error).message}); the Envoy service would skip it with a warning and run without its limits, sluice refuses: fix or remove it`,
        { cause },
      )
    }
    texts.push({ name: file.name, text })
  }
  return rulesByDomain(dir, texts, options.mergeDomains === true)
}

/** Checks the arguments of a directory read, at the call. */
export function checkDirectoryArgs(caller: string, dir: unknown, options: RulesDirectoryOptions): void {
  if (typeof dir !== 'string' || dir === '') {
    throw new ConfigError(`${caller}: dir must be the rules directory's path, got ${show(dir)}`)
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      `${caller}: options must be an object such as { mergeDomains: true }, got ${show(options)}`,
    )
  }
  if (options.mergeDomains !== undefined && typeof options.mergeDomains !== 'boolean') {
    throw new ConfigError(`${caller}: mergeDomains must be true or false, got ${show(options.mergeDomains)}`)
  }
}

/** One file, read and validated on its own, so its errors name its own lines. */
interface Loaded {
  readonly name: string
  readonly data: unknown
  readonly locate: Locate
  readonly rules: RuleSet
}

/**
 * The rule sets of a directory's files (given sorted by name), one per domain: each file is
 * validated on its own, then files of one domain are refused or merged. Errors name the files.
 */
export function rulesByDomain(
  dir: string,
  texts: readonly RulesText[],
  merge: boolean,
): ReadonlyMap<string, RuleSet> {
  if (texts.length === 0) {
    throw new ConfigError(
      `rules: ${JSON.stringify(dir)} holds no rules file (files whose name starts with "." are left out); add one file per domain`,
    )
  }
  const byDomain = new Map<string, Loaded[]>()
  for (const { name, text } of texts) {
    const loaded = loadFile(name, text)
    const group = byDomain.get(loaded.rules.domain)
    if (group === undefined) byDomain.set(loaded.rules.domain, [loaded])
    else if (!merge) throw duplicateDomain(loaded.rules.domain, group[0] as Loaded, loaded)
    else group.push(loaded)
  }
  const out = new Map<string, RuleSet>()
  for (const [domain, group] of byDomain)
    out.set(domain, group.length === 1 ? (group[0] as Loaded).rules : merged(domain, group))
  return out
}

function loadFile(name: string, text: string): Loaded {
  try {
    const { data, locate } = readYaml(text)
    return { name, data, locate, rules: sealRuleSet(validateRules(data, locate)) }
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    const hint = RULES_EXTENSIONS.has(extname(name).toLowerCase())
      ? ''
      : ` (every file of a rules directory is read as rules, whatever its name, as the Envoy service reads its runtime directory: move other files out, or start their name with ".")`
    throw new RulesError(
      `rules: ${name}: ${error.message.replace(/^rules: /, '')}${hint}`,
      { path: error.path, line: error.line, column: error.column },
      { cause: error },
    )
  }
}

function duplicateDomain(domain: string, first: Loaded, second: Loaded): RulesError {
  return new RulesError(
    `rules: ${first.name} and ${second.name} both name domain ${JSON.stringify(domain)}; the Envoy service refuses two files of one domain unless MERGE_DOMAIN_CONFIG is set: give each domain one file, or pass { mergeDomains: true } to merge their descriptors as the service then does`,
  )
}

/**
 * One rule set from several files of a domain, as the service merges them: the top-level
 * descriptors of each file in turn; the same key and value at the top of two files is refused.
 */
function merged(domain: string, group: readonly Loaded[]): RuleSet {
  const seen = new Map<string, string>()
  const descriptors: unknown[] = []
  for (const file of group) {
    file.rules.descriptors.forEach((d, i) => {
      const identity = d.value === undefined ? d.key : `${d.key}\u0000${d.value}`
      const here = where(file, i)
      const earlier = seen.get(identity)
      if (earlier !== undefined) {
        const what =
          d.value === undefined
            ? `key ${JSON.stringify(d.key)} without a value`
            : `key ${JSON.stringify(d.key)} with value ${JSON.stringify(d.value)}`
        throw new RulesError(
          `rules: domain ${JSON.stringify(domain)}: the descriptor with ${what} is in both ${earlier} and ${here}; merging files of one domain, the Envoy service refuses a descriptor defined twice: keep it in one file`,
        )
      }
      seen.set(identity, here)
    })
    const list = (file.data as { descriptors?: unknown }).descriptors
    if (Array.isArray(list)) for (const item of list) descriptors.push(item)
  }
  // Each file passed on its own, so the whole can only differ by what was checked above; read
  // again as one, its paths (descriptors[i]) count across the files in order.
  return sealRuleSet(validateRules({ domain, descriptors }))
}

function where(file: Loaded, index: number): string {
  const at = file.locate(`descriptors[${index}]`, 'value')
  return at === undefined ? file.name : `${file.name} (line ${at.line}, column ${at.column})`
}
