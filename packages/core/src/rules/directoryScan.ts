// Which files of a rules directory are rules, as the Envoy service's runtime loader picks them (Node entry only).
import { type BigIntStats, type Dirent, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors.ts'

/**
 * The most files a rules directory may hold. The Envoy service's runtime directories hold a file
 * or a few per domain; the bound keeps a directory pointed at by mistake (a home directory, `/`)
 * from being read in full on every change.
 */
export const MAX_RULES_FILES = 1000

/** One rules file of a directory: its path from the directory (`team/api.yaml`), and how it looks now. */
export interface RulesFile {
  /** From the directory, with `/` between folders: `api.yaml`, `team/api.yaml`. */
  readonly name: string
  readonly path: string
  /** Device, inode, size and modification time (ns): differs after any write or swap. */
  readonly signature: string
  readonly size: number
}

/**
 * The rules files of `dir`, sorted by name, as the Envoy service's runtime loader (goruntime)
 * picks them: every file in the directory and its subdirectories, whatever its name, except
 * those whose name starts with `.` (its `RUNTIME_IGNOREDOTFILES=true`, which its README asks for
 * on Kubernetes, where ConfigMap volumes hold `..data` folders beside the files). A symbolic link
 * to a file is read through. What the service's loader would leave out with only a warning (a
 * link to a directory, which it does not follow; a broken link; an unreadable entry) is a
 * `ConfigError` here: a rule set missing one file's limits must not load as if it were whole.
 */
export function scanRulesDirectory(dir: string, caller: string): RulesFile[] {
  const files: RulesFile[] = []
  const pending: string[] = ['']
  for (let sub = pending.pop(); sub !== undefined; sub = pending.pop()) {
    let entries: Dirent[]
    try {
      entries = readdirSync(join(dir, sub), { withFileTypes: true })
    } catch (cause) {
      throw new ConfigError(
        `${caller}: cannot list ${JSON.stringify(join(dir, sub))} (${(cause as Error).message}); check the path and its permissions`,
        { cause },
      )
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue
      const name = sub === '' ? entry.name : `${sub}/${entry.name}`
      const path = join(dir, name)
      // A real folder is walked, as the service's loader walks it. Links are looked through
      // below: never walked into, so no link can make the walk loop.
      if (entry.isDirectory()) {
        pending.push(name)
        continue
      }
      let s: BigIntStats
      try {
        s = statSync(path, { bigint: true })
      } catch (cause) {
        throw new ConfigError(
          `${caller}: cannot read ${JSON.stringify(name)} in ${JSON.stringify(dir)} (${(cause as Error).message}); the Envoy service would skip it with a warning and run without its limits, sluice refuses: fix or remove it`,
          { cause },
        )
      }
      if (s.isDirectory()) {
        throw new ConfigError(
          `${caller}: ${JSON.stringify(name)} in ${JSON.stringify(dir)} is a link to a folder; the Envoy service's loader does not follow those (it would run without the rules inside), so sluice refuses it: move the files into the directory, link each file, or start the link's name with "."`,
        )
      }
      if (!s.isFile()) {
        throw new ConfigError(
          `${caller}: ${JSON.stringify(name)} in ${JSON.stringify(dir)} is not a regular file; remove it from the rules directory, or start its name with "."`,
        )
      }
      files.push({ name, path, signature: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`, size: Number(s.size) })
      if (files.length > MAX_RULES_FILES) {
        throw new ConfigError(
          `${caller}: ${JSON.stringify(dir)} holds more than ${MAX_RULES_FILES} files; point it at the folder that holds only the rules files`,
        )
      }
    }
  }
  // Byte order of names: the same on every machine, whatever order the file system lists them.
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Whether `path` is a directory (through links); false when it is missing or a file. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
