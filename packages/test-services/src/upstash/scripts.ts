// Upstash accepts the script flag `allow-key-locking` (which @upstash/ratelimit 2.x puts on every
// script); Redis 7.0 rejects it with "ERR Unexpected flag in script shebang". We drop that one
// flag before a script reaches Redis, put in its place a guard enforcing the flag's rules, and
// remember which SHA1 the client computed (of the original text) for the SHA1 Redis stores (of the
// rewritten text), so EVALSHA with the client's SHA works.
import { createHash } from 'node:crypto'

const UPSTASH_ONLY_FLAG = 'allow-key-locking'
/** Enough for every script a test suite loads; a runaway caller only costs re-hashing. */
const MAX_CACHED_SCRIPTS = 1000

/** Lowercase hex SHA1 of the script's UTF-8 bytes, as Redis and the Upstash client compute it. */
export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

/**
 * The script without the Upstash-only `allow-key-locking` flag in its `#!lua` shebang, or
 * undefined when it has none. Other flags and the rest of the script stay as they are; a
 * `flags=` left empty is removed.
 */
export function withoutUpstashFlags(script: string): string | undefined {
  if (!script.startsWith('#!')) return undefined
  const eol = script.indexOf('\n')
  const shebang = eol === -1 ? script : script.slice(0, eol)
  const rewritten = shebang.replace(/(\s+)flags=(\S*)/, (_match, space: string, list: string) => {
    const kept = list.split(',').filter((flag) => flag !== UPSTASH_ONLY_FLAG)
    return kept.length > 0 ? `${space}flags=${kept.join(',')}` : ''
  })
  return rewritten === shebang ? undefined : rewritten + script.slice(shebang.length)
}

/**
 * The rules of `allow-key-locking` as Upstash documents them (docs/redis/features/key-locking and
 * the EVAL page: "every key the script touches must appear in KEYS, and commands that need
 * database-wide access, such as FLUSHDB, are rejected"), as Lua run before the script's own code:
 * a local `redis` whose call and pcall check each command first and fail the script (pcall too:
 * Upstash refuses the script, it does not hand it an error to catch). One line, so that the script's
 * own line numbers stay as they were. The key of a command is its first argument, all arguments for
 * the multi-key commands below, none for TIME, PING and ECHO: the commands rate limiters use.
 */
export const KEY_LOCKING_GUARD = [
  'local redis = (function(r)',
  'local declared = {} for _, k in ipairs(KEYS) do declared[k] = true end',
  "local global = { flushdb = 1, flushall = 1, keys = 1, scan = 1, dbsize = 1, randomkey = 1, swapdb = 1, move = 1, copy = 1, script = 1, ['function'] = 1 }",
  'local keyless = { time = 1, ping = 1, echo = 1 }',
  'local allKeys = { del = 1, unlink = 1, exists = 1, touch = 1, mget = 1 }',
  "local function refuse(text) error(r.error_reply('ERR ' .. text)) end",
  'local function check(name, ...)',
  'local lower = string.lower(tostring(name)) local args = { ... }',
  `if global[lower] then refuse("command '" .. lower .. "' needs database-wide access, which a script flagged allow-key-locking may not use") end`,
  'if keyless[lower] then return end',
  'local last = 1 if allKeys[lower] then last = #args end',
  `for i = 1, last do local key = args[i] if key ~= nil and not declared[tostring(key)] then refuse("script flagged allow-key-locking accessed key '" .. tostring(key) .. "', which is not in KEYS: pass every key the script touches in KEYS") end end`,
  'end',
  'return setmetatable({ call = function(...) check(...) return r.call(...) end, pcall = function(...) check(...) return r.pcall(...) end }, { __index = r })',
  'end)(redis)',
].join(' ')

/**
 * The script as the local server runs it when its shebang has `allow-key-locking`: the flag
 * dropped and the guard enforcing its rules put before the script's code; undefined for a script
 * without the flag.
 */
export function withKeyLockingGuard(script: string): string | undefined {
  const rewritten = withoutUpstashFlags(script)
  if (rewritten === undefined) return undefined
  const eol = rewritten.indexOf('\n')
  if (eol === -1) return `${rewritten}\n${KEY_LOCKING_GUARD}`
  return `${rewritten.slice(0, eol + 1)}${KEY_LOCKING_GUARD} ${rewritten.slice(eol + 1)}`
}

/** A command ready for Redis, and how to turn Redis's reply back into what Upstash would say. */
export interface PreparedCommand {
  args: string[]
  reply?: (reply: unknown) => unknown
}

interface Rewrite {
  script: string
  clientSha: string
}

/** Rewrites script commands for Redis 7.0 and maps the client's SHA1s to the stored ones. */
export class ScriptShas {
  /** client SHA1 (of the original text) → SHA1 Redis stores (of the rewritten text) */
  readonly #redisShaOf = new Map<string, string>()
  /** original text → its rewrite (undefined: nothing to rewrite) */
  readonly #rewrites = new Map<string, Rewrite | undefined>()

  #rewrite(script: string): Rewrite | undefined {
    if (this.#rewrites.has(script)) return this.#rewrites.get(script)
    const rewritten = withKeyLockingGuard(script)
    const rewrite = rewritten === undefined ? undefined : { script: rewritten, clientSha: sha1(script) }
    if (rewrite) this.#redisShaOf.set(rewrite.clientSha, sha1(rewrite.script))
    if (this.#rewrites.size >= MAX_CACHED_SCRIPTS) this.#rewrites.clear()
    this.#rewrites.set(script, rewrite)
    return rewrite
  }

  #redisSha(sha: string): string {
    return this.#redisShaOf.get(sha.toLowerCase()) ?? sha
  }

  /** `args` is a whole command (name first), every argument already a string. */
  prepare(args: string[]): PreparedCommand {
    const name = args[0]?.toLowerCase()
    const first = args[1]
    if (first === undefined) return { args }
    switch (name) {
      case 'eval':
      case 'eval_ro': {
        const rewrite = this.#rewrite(first)
        return rewrite ? { args: [args[0] as string, rewrite.script, ...args.slice(2)] } : { args }
      }
      case 'evalsha':
      case 'evalsha_ro':
        return { args: [args[0] as string, this.#redisSha(first), ...args.slice(2)] }
      case 'script': {
        const sub = first.toLowerCase()
        const script = args[2]
        if (sub === 'load' && script !== undefined) {
          const rewrite = this.#rewrite(script)
          // Upstash answers with the SHA1 of the text it was given, which is what clients compare.
          return rewrite
            ? {
                args: [...args.slice(0, 2), rewrite.script, ...args.slice(3)],
                reply: () => rewrite.clientSha,
              }
            : { args }
        }
        if (sub === 'exists')
          return { args: [...args.slice(0, 2), ...args.slice(2).map((sha) => this.#redisSha(sha))] }
        return { args }
      }
      default:
        return { args }
    }
  }
}
