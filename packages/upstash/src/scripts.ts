// Runs sluice's scripts on Upstash: flagged for key locking, EVALSHA first, one SCRIPT LOAD per burst on NOSCRIPT.
import type { LuaScript, ScriptClient } from '@sluice/redis-scripts'
import type { Redis } from '@upstash/redis'

/**
 * Put before every script sent to Upstash: the script locks only the keys it declares, not the
 * whole database (docs/redis/features/key-locking). sluice's scripts touch only their declared
 * keys and call no database-wide command, the flag's two rules. Redis itself refuses the flag
 * ("ERR Unexpected flag in script shebang"): the ioredis and node-redis stores never send it.
 */
export const KEY_LOCKING_SHEBANG = '#!lua flags=allow-key-locking\n'

/**
 * The most bytes of keys and arguments one batch's script call carries: a tenth of Upstash's
 * documented request size limit (10 MB on the Free and Pay-as-you-go plans, "ERR max request size
 * exceeded").
 */
export const UPSTASH_CALL_BYTES = 1_000_000

/**
 * The most bytes of script calls this store hands the client in one event-loop task. The client's
 * auto-pipelining joins the commands of one task into one request, whatever their number; calls
 * past this bound wait for the next task and so for the next request. Half the 10 MB limit leaves
 * room for JSON escaping and the client's own commands of the same task.
 */
export const UPSTASH_TASK_BYTES = 5_000_000

// No Node or DOM types here (the store runs on edge runtimes too): the globals it needs, typed.
interface Runtime {
  setTimeout(callback: () => void, ms: number): unknown
  crypto: { subtle: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } }
  TextEncoder: new () => { encode(text: string): Uint8Array }
}
const runtime = globalThis as unknown as Runtime

interface Loaded {
  /** The text sent to Upstash: the flag, then the script. */
  readonly text: string
  /** Its SHA1, hex, as Upstash names it. */
  readonly sha: Promise<string>
  /** The SCRIPT LOAD in flight, if any: every call that met NOSCRIPT meanwhile waits for this one. */
  loading: Promise<unknown> | undefined
  /** How many SCRIPT LOADs have completed: a call sent before the last one need not load again. */
  loads: number
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && /noscript/i.test(error.message)
}

async function sha1Hex(text: string): Promise<string> {
  // Web Crypto: the same on Node and on edge runtimes.
  const digest = await runtime.crypto.subtle.digest('SHA-1', new runtime.TextEncoder().encode(text))
  let hex = ''
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** An upper bound of the bytes a call's keys and arguments take in the JSON of a request. */
function callBytes(keys: readonly string[], args: readonly string[]): number {
  // A UTF-16 unit is at most 3 UTF-8 bytes, and JSON escapes ASCII controls as 6: 6 bounds both.
  let chars = 0
  for (const key of keys) chars += key.length
  for (const arg of args) chars += arg.length
  return 6 * chars + 8 * (keys.length + args.length) + 64
}

/**
 * Hands calls to the client at most `budget` bytes per event-loop task (a call larger than the
 * budget goes alone in its task); later calls wait for the following tasks, in order.
 */
function taskBudget(budget: number): (bytes: number) => Promise<void> | undefined {
  let used = 0
  let waiting: { bytes: number; go: () => void }[] = []
  let scheduled = false

  function nextTask(): void {
    scheduled = false
    used = 0
    const queue = waiting
    waiting = []
    for (const w of queue) {
      if (used > 0 && used + w.bytes > budget) waiting.push(w)
      else {
        used += w.bytes
        w.go()
      }
    }
    if (used > 0 || waiting.length > 0) schedule()
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    runtime.setTimeout(nextTask, 0)
  }

  return (bytes) => {
    schedule()
    if (waiting.length === 0 && (used === 0 || used + bytes <= budget)) {
      used += bytes
      return undefined
    }
    return new Promise<void>((go) => waiting.push({ bytes, go }))
  }
}

/**
 * The `run` of the store's adapter: EVALSHA of the flagged script; on NOSCRIPT (a new database, a
 * restart, SCRIPT FLUSH) one SCRIPT LOAD shared by every call of the burst, then EVALSHA again;
 * EVAL only if the script vanished once more in between. A cold burst of 1,000 decisions so sends
 * one copy of the script, not one per call.
 *
 * @example
 * const run = scriptRunner(Redis.fromEnv())
 * const reply = await run(KIND_SCRIPTS.fixedWindow, [key], args)
 */
export function scriptRunner(client: Redis): ScriptClient['run'] {
  const scripts = new Map<LuaScript, Loaded>()
  const admit = taskBudget(UPSTASH_TASK_BYTES)

  function loaded(script: LuaScript): Loaded {
    let entry = scripts.get(script)
    if (entry === undefined) {
      const text = KEY_LOCKING_SHEBANG + script.lua
      entry = { text, sha: sha1Hex(text), loading: undefined, loads: 0 }
      scripts.set(script, entry)
    }
    return entry
  }

  function load(entry: Loaded): Promise<unknown> {
    entry.loading ??= client.scriptLoad(entry.text).then(
      () => {
        entry.loads++
        entry.loading = undefined
      },
      (error: unknown) => {
        entry.loading = undefined
        throw error
      },
    )
    return entry.loading
  }

  async function send<T>(bytes: number, call: () => Promise<T>): Promise<T> {
    const wait = admit(bytes)
    if (wait !== undefined) await wait
    return call()
  }

  return async (script, keys, args) => {
    const entry = loaded(script)
    const sha = await entry.sha
    const bytes = callBytes(keys, args)
    const loadsBefore = entry.loads
    try {
      return await send(bytes, () => client.evalsha(sha, keys, args))
    } catch (error) {
      if (!isNoScript(error)) throw error
    }
    // Loaded since this call was sent: no need to load again; being loaded: wait for that load.
    if (entry.loads === loadsBefore) await (entry.loading ?? send(6 * entry.text.length, () => load(entry)))
    try {
      return await send(bytes, () => client.evalsha(sha, keys, args))
    } catch (error) {
      if (!isNoScript(error)) throw error
    }
    return send(bytes + 6 * entry.text.length, () => client.eval(entry.text, keys, args))
  }
}
