// Hot reload of a rules file (Node entry): a file is loaded only once it has stopped changing.
import { type FSWatcher, watch } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../errors.ts'
import { hubOf } from '../events/hub.ts'
import { show } from '../validate.ts'
import { parseRules } from './parseNode.ts'
import type { RuleSet } from './types.ts'

/** Options of {@link watchRules}. */
export interface WatchRulesOptions {
  /**
   * Told why a changed file was not loaded (a `RulesError` naming line and column, or the read
   * error); the rules in force stay. Default: `console.error`.
   */
  readonly onError?: (error: unknown) => void
  /**
   * How long the file must stay unchanged before it is read, in ms. Default 50. The file's size,
   * modification time and inode must be the same at two looks `debounceMs` apart, and again
   * after it is read; otherwise it is looked at again after another `debounceMs`. So a change is
   * loaded `2 × debounceMs` after it is written at the earliest. Raise it when the file is
   * written in place by something that pauses mid-write (a slow download).
   */
  readonly debounceMs?: number
}

/** A running watch; `close()` stops it and leaves no watcher or timer behind. */
export interface RulesWatcher {
  close(): void
}

/**
 * Reloads a rules file when it changes (Node entry). Once the file has stopped changing (its
 * size and modification time stable across `debounceMs`, and while it is read) it is parsed and
 * validated; a valid rule set goes to `onChange` (give it to `limiter.setRules`), an invalid one to
 * `onError`, and the rules in force stay. A file caught mid-write is looked at again, not applied:
 * a truncated YAML file can still parse, as a rule set with fewer limits. It watches the file's
 * directory, so editors that save by writing a new file and renaming it over the old one, and
 * Kubernetes ConfigMap symlink swaps, are seen too; unchanged content is not reloaded. A writer
 * that pauses longer than `debounceMs` mid-file cannot be told from a finished one: deploy by
 * writing a temporary file and renaming it over the rules file.
 *
 * Give the limiter itself as `target` and it also reports on its event stream: `rulesReloaded`
 * for a rule set put in force, `rulesRejected` for a file that does not parse or fit.
 *
 * @example
 * const limiter = createRateLimiter({ store, rules: parseRules(readFileSync(path, 'utf8')) })
 * const watcher = watchRules(path, limiter, { onError: console.error })
 * // or a function: watchRules(path, (rules) => limiter.setRules(rules))
 * // on shutdown: watcher.close()
 */
export function watchRules(
  path: string,
  target: ((rules: RuleSet) => void) | { setRules(rules: RuleSet): void },
  options: WatchRulesOptions = {},
): RulesWatcher {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError(`watchRules: path must be the rules file's path, got ${show(path)}`)
  }
  const onChange = changeHandler(target)
  const hub = hubOf(target)
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  const debounceMs = options.debounceMs ?? 50
  if (!Number.isInteger(debounceMs) || debounceMs < 0) {
    throw new ConfigError(`watchRules: debounceMs must be a whole number of ms ≥ 0, got ${show(debounceMs)}`)
  }
  const file = resolve(path)
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let reading = false
  let again = false
  let lastText: string | undefined
  // What the previous look saw: a change since then means the file may still be being written.
  let lastLook: string | undefined

  async function reload(): Promise<void> {
    if (reading) {
      again = true
      return
    }
    reading = true
    try {
      const before = await look(file)
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
      const bytes = await readFile(file)
      const after = await look(file)
      if (closed) return
      if (after.signature !== before.signature || bytes.length !== before.size) {
        // Written while it was read: what was read may be a part.
        lastLook = after.signature
        schedule()
        return
      }
      const text = bytes.toString('utf8')
      if (text === lastText) return
      let rules: RuleSet
      try {
        rules = parseRules(text)
      } catch (error) {
        lastText = text
        if (hub?.wants('rulesRejected')) hub.emit('rulesRejected', { limiter: hub.limiter, error })
        onError(error)
        return
      }
      lastText = text
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

  // Any change in the directory may be a rename or a symlink swap onto the file (editors, k8s
  // ConfigMaps): every event schedules a read, and unchanged content is not reloaded.
  let watcher: FSWatcher
  try {
    watcher = watch(dirname(file), { persistent: true }, schedule)
  } catch (cause) {
    throw new ConfigError(
      `watchRules: cannot watch the folder of ${JSON.stringify(file)} (${(cause as Error).message}); check the path`,
      { cause },
    )
  }
  watcher.on('error', (error) => {
    if (!closed) onError(error)
  })
  return {
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      watcher.close()
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

/** What stat says of the file, as text that differs after any write or swap; or why it failed. */
interface Look {
  readonly signature: string
  readonly size: number
  readonly error?: unknown
}

async function look(file: string): Promise<Look> {
  try {
    // Nanoseconds: a write within the same millisecond still shows.
    const s = await stat(file, { bigint: true })
    return { signature: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`, size: Number(s.size) }
  } catch (error) {
    return { signature: `error:${(error as NodeJS.ErrnoException).code}`, size: -1, error }
  }
}
