// Hot reload of a rules file or directory (Node entry): rules are loaded only once every file has stopped changing.
import { type FSWatcher, watch } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../errors.ts'
import { hubOf } from '../events/hub.ts'
import { show } from '../validate.ts'
import { checkDirectoryArgs, type RulesDirectoryOptions } from './directory.ts'
import { isDirectory } from './directoryScan.ts'
import type { RuleSet } from './types.ts'
import { directorySource, fileSource, type Source } from './watchSources.ts'

/** Options of {@link watchRules}. */
export interface WatchRulesOptions extends RulesDirectoryOptions {
  /**
   * Told why a change was not loaded (a `RulesError` naming the file, line and column, or the
   * read error); the rules in force stay. Default: `console.error`.
   */
  readonly onError?: (error: unknown) => void
  /**
   * How long the files must stay unchanged before they are read, in ms. Default 50. Each file's
   * size, modification time and inode (and, for a directory, which files it holds) must be the
   * same at two looks `debounceMs` apart, and again after they are read; otherwise they are
   * looked at again after another `debounceMs`. So a change is loaded `2 × debounceMs` after it
   * is written at the earliest. Raise it when files are written in place by something that
   * pauses mid-write (a slow download).
   */
  readonly debounceMs?: number
  /**
   * How often the files are looked at even when no file event came, in ms. Default 1000; 0 turns
   * it off. File events can be lost (a recursive watch on Linux can miss changes in folders
   * created or swapped in quick succession, as ConfigMap updates are), so a change is seen within
   * `pollMs` + `2 × debounceMs` whatever the events. A look is a `stat` of each file: a look that
   * differs from the previous one counts as a file event; unchanged files are not read.
   */
  readonly pollMs?: number
  /**
   * The domain whose rules go to `onChange`. Required when `path` is a directory, which holds
   * a rule set per domain (a limiter uses one); a directory without it is an error at the call.
   * For a file, a file that names another domain is reported to `onError` and not loaded.
   */
  readonly domain?: string
}

/** A running watch; `close()` stops it and leaves no watcher or timer behind. */
export interface RulesWatcher {
  close(): void
}

/**
 * Reloads rules when they change (Node entry): one file, or a directory of files as the Envoy
 * service loads its runtime directory (see `loadRulesDirectory`; then `domain` says which rule set
 * goes to `onChange`). Once the files have stopped changing (sizes and modification times stable
 * across `debounceMs`, and while they are read) they are parsed and validated; a valid rule set
 * goes to `onChange` (give it to `limiter.setRules`), an invalid one to `onError`, and the rules
 * in force stay. Files caught mid-write are looked at again, not applied: a truncated YAML file
 * can still parse, as a rule set with fewer limits. A directory is loaded whole or not at all: one
 * bad or unreadable file, two files of one domain (without `mergeDomains`), or no file left for
 * `domain` is reported and nothing is applied, so no partial directory state is ever in force.
 *
 * It watches the file's folder (for a directory: the directory, its subfolders and its parent),
 * so editors that save by writing a new file and renaming it over the old one, and Kubernetes
 * ConfigMap symlink swaps, are seen too; an unchanged file is not reloaded (in a directory, a
 * change to any file reloads the domain's rules, equal ones included). A writer that pauses longer
 * than `debounceMs` mid-file cannot be told from a finished one: deploy by writing a temporary
 * file and renaming it over the rules file.
 *
 * Give the limiter itself as `target` and it also reports on its event stream: `rulesReloaded`
 * for a rule set put in force, `rulesRejected` for a file that does not parse or fit.
 *
 * @example
 * const limiter = createRateLimiter({ store, rules: parseRules(readFileSync(path, 'utf8')) })
 * const watcher = watchRules(path, limiter, { onError: console.error })
 * // or a function: watchRules(path, (rules) => limiter.setRules(rules))
 * // a directory: watchRules('/etc/ratelimit/config', limiter, { domain: 'api' })
 * // on shutdown: watcher.close()
 */
export function watchRules(
  path: string,
  target: ((rules: RuleSet) => void) | { setRules(rules: RuleSet): void },
  options: WatchRulesOptions = {},
): RulesWatcher {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError(`watchRules: path must be the rules file's or directory's path, got ${show(path)}`)
  }
  const onChange = changeHandler(target)
  const hub = hubOf(target)
  checkDirectoryArgs('watchRules', path, options)
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  const debounceMs = options.debounceMs ?? 50
  if (!Number.isInteger(debounceMs) || debounceMs < 0) {
    throw new ConfigError(`watchRules: debounceMs must be a whole number of ms ≥ 0, got ${show(debounceMs)}`)
  }
  const pollMs = options.pollMs ?? 1000
  if (!Number.isInteger(pollMs) || pollMs < 0) {
    throw new ConfigError(
      `watchRules: pollMs must be a whole number of ms ≥ 0 (0: no polling), got ${show(pollMs)}`,
    )
  }
  const { domain } = options
  if (domain !== undefined && (typeof domain !== 'string' || domain.trim() === '')) {
    throw new ConfigError(`watchRules: domain must be a non-empty string such as "api", got ${show(domain)}`)
  }
  const location = resolve(path)
  const directory = isDirectory(location)
  if (directory && domain === undefined) {
    throw new ConfigError(
      `watchRules: ${JSON.stringify(path)} is a directory, which holds rules for each of its domains; say which domain this limiter uses: watchRules(dir, limiter, { domain: 'api' })`,
    )
  }
  const source: Source = directory
    ? directorySource(location, domain as string, options.mergeDomains === true)
    : fileSource(location, domain)

  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let reading = false
  let again = false
  let lastKey: string | undefined
  // What the previous look saw: a change since then means a file may still be being written.
  let lastLook: string | undefined

  async function reload(): Promise<void> {
    if (reading) {
      again = true
      return
    }
    reading = true
    try {
      refreshWatchers()
      const before = await source.look()
      if (closed) return
      if (before.signature !== lastLook) {
        lastLook = before.signature
        schedule()
        return
      }
      if (before.error !== undefined) {
        onError(before.error)
        return
      }
      const read = await source.read(before)
      if (closed) return
      if (typeof read === 'string') {
        // Written while it was read: what was read may be a part.
        lastLook = read
        schedule()
        return
      }
      if (read.key === lastKey) return
      lastKey = read.key
      let rules: RuleSet
      try {
        rules = read.rules()
      } catch (error) {
        if (hub?.wants('rulesRejected')) hub.emit('rulesRejected', { limiter: hub.limiter, error })
        onError(error)
        return
      }
      onChange(rules)
    } catch (error) {
      if (!closed) onError(error)
    } finally {
      reading = false
      if (again && !closed) {
        again = false
        schedule()
      }
    }
  }

  function schedule(): void {
    if (closed) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      void reload()
    }, debounceMs)
  }

  // `what`: how the error names the folder (the parent of the rules, or the rules directory).
  function open(folder: string, recursive: boolean, what: string): FSWatcher {
    let watcher: FSWatcher
    try {
      watcher = watch(folder, { persistent: true, recursive }, schedule)
    } catch (cause) {
      throw new ConfigError(
        `watchRules: cannot watch ${what} (${(cause as Error).message}); check the path`,
        { cause },
      )
    }
    watcher.on('error', (error) => {
      if (!closed) onError(error)
    })
    return watcher
  }

  // Any change in the folder may be a rename or a symlink swap onto a rules file (editors, k8s
  // ConfigMaps): every event schedules a look, and unchanged content is not reloaded.
  const parent = open(dirname(location), false, `the folder of ${JSON.stringify(location)}`)
  // A directory is watched through its subfolders too; when the directory itself is a link that
  // is swapped to another folder, the watch moves there (seen at the next look).
  let inner: FSWatcher | undefined
  let innerAt: string | undefined
  function refreshWatchers(): void {
    if (!directory || closed) return
    const real = source.realPath()
    if (real === innerAt) return
    inner?.close()
    inner = undefined
    innerAt = real
    if (real !== undefined) inner = open(location, true, `the directory ${JSON.stringify(location)}`)
  }
  try {
    refreshWatchers()
  } catch (error) {
    parent.close()
    throw error
  }
  // The poll: a look that differs from the previous poll's is handled as a file event would be.
  // It does not keep the process alive (the file watchers do, while the watch runs).
  let polled: string | undefined
  let polling = false
  async function poll(): Promise<void> {
    if (polling || closed) return
    polling = true
    try {
      const seen = (await source.look()).signature
      if (polled !== undefined && seen !== polled && !closed) schedule()
      polled = seen
    } finally {
      polling = false
    }
  }
  const poller = pollMs === 0 ? undefined : setInterval(() => void poll(), pollMs)
  poller?.unref?.()
  // The state at the start: the first poll compares with it.
  if (poller !== undefined) void poll()
  return {
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      if (poller !== undefined) clearInterval(poller)
      parent.close()
      inner?.close()
    },
  }
}

/** What to call with a new rule set: the function given, or the limiter's `setRules`. */
function changeHandler(target: unknown): (rules: RuleSet) => void {
  if (typeof target === 'function') return target as (rules: RuleSet) => void
  const setRules = (target as { setRules?: unknown } | null)?.setRules
  if (typeof target === 'object' && target !== null && typeof setRules === 'function') {
    return (rules) => (setRules as (rules: RuleSet) => void).call(target, rules)
  }
  throw new ConfigError(
    `watchRules: give a rules limiter (createRateLimiter({ store, rules })) or a function (rules) => void, got ${show(target)}`,
  )
}
