// What watchRules looks at and reads: one rules file, or a rules directory read whole (Node entry only).
import { realpathSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { RulesError } from '../errors.ts'
import { rulesByDomain } from './directory.ts'
import { type RulesFile, scanRulesDirectory } from './directoryScan.ts'
import { parseRules } from './parseNode.ts'
import type { RuleSet } from './types.ts'

/** What a look saw, as text that differs after any write, rename or swap; or why it failed. */
interface Look {
  readonly signature: string
  readonly error?: unknown
  /** The file's size (file source), or each file (directory source). */
  readonly size?: number
  readonly files?: readonly RulesFile[]
}

/** What was read while nothing changed: `key` tells equal content apart; `rules()` validates it (and may throw). */
interface Snapshot {
  readonly key: string
  rules(): RuleSet
}

/** Where rules come from, for `watchRules`. */
export interface Source {
  look(): Promise<Look>
  /** The content, or the signature seen after reading when something changed meanwhile. */
  read(before: Look): Promise<Snapshot | string>
  /** The directory's real path, for watching it through a link; undefined when missing. */
  realPath(): string | undefined
}

/** One rules file; with `domain`, a file naming another domain is an error. */
export function fileSource(file: string, domain: string | undefined): Source {
  async function look(): Promise<Look> {
    try {
      // Nanoseconds: a write within the same millisecond still shows.
      const s = await stat(file, { bigint: true })
      return { signature: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`, size: Number(s.size) }
    } catch (error) {
      return { signature: `error:${(error as NodeJS.ErrnoException).code}`, error }
    }
  }
  return {
    look,
    async read(before) {
      const bytes = await readFile(file)
      const after = await look()
      if (after.signature !== before.signature || bytes.length !== before.size) return after.signature
      const text = bytes.toString('utf8')
      return {
        key: text,
        rules: () => {
          const rules = parseRules(text)
          if (domain !== undefined && rules.domain !== domain) {
            throw new RulesError(
              `rules: ${file} names domain ${JSON.stringify(rules.domain)}, not ${JSON.stringify(domain)} as watchRules was told; fix the file's domain or the domain option`,
              { path: 'domain' },
            )
          }
          return rules
        },
      }
    },
    realPath: () => undefined,
  }
}

/** A rules directory read whole: every file stable, then every file valid, or nothing. */
export function directorySource(dir: string, domain: string, merge: boolean): Source {
  async function look(): Promise<Look> {
    try {
      const files = scanRulesDirectory(dir, 'watchRules')
      return { signature: files.map((f) => `${f.name}\u0000${f.signature}`).join('\n'), files }
    } catch (error) {
      return { signature: `error:${(error as Error).message}`, error }
    }
  }
  return {
    look,
    async read(before) {
      const files = before.files ?? []
      const texts: { name: string; text: string }[] = []
      let complete = true
      for (const f of files) {
        const bytes = await readFile(f.path)
        if (bytes.length !== f.size) complete = false
        texts.push({ name: f.name, text: bytes.toString('utf8') })
      }
      const after = await look()
      if (!complete || after.signature !== before.signature) return after.signature
      return {
        key: JSON.stringify(texts),
        rules: () => {
          const rules = rulesByDomain(dir, texts, merge).get(domain)
          if (rules === undefined) {
            throw new RulesError(
              `rules: no file of ${JSON.stringify(dir)} names domain ${JSON.stringify(domain)}; the rules in force stay. Add its file back, or fix the domain option`,
            )
          }
          return rules
        },
      }
    },
    realPath() {
      try {
        return realpathSync(dir)
      } catch {
        return undefined
      }
    },
  }
}
