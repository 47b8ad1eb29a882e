// Request bodies → Redis commands. Upstash takes each command as a JSON array of strings, numbers
// and booleans; Redis takes strings.

/** A request the server refuses before anything reaches Redis (answered 400 with its message). */
export class BadRequest extends Error {}

// Commands that would change the state of the shared Redis connection for every other request
// (transactions, subscriptions, database selection) or block it (BLPOP & co.). Upstash offers
// transactions through /multi-exec and subscriptions through their own endpoints.
const CONNECTION_STATE = new Set([
  'auth',
  'client',
  'discard',
  'exec',
  'hello',
  'monitor',
  'multi',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
  'select',
  'ssubscribe',
  'subscribe',
  'sunsubscribe',
  'unsubscribe',
  'unwatch',
  'watch',
])
const BLOCKING = new Set([
  'blmove',
  'blmpop',
  'blpop',
  'brpop',
  'brpoplpush',
  'bzmpop',
  'bzpopmax',
  'bzpopmin',
  'wait',
  'waitaof',
])

/** Upstash's hardcoded key size limit ("32Kb", docs/redis/troubleshooting/max_key_size_exceeded). */
export const MAX_KEY_BYTES = 32 * 1024

// Commands whose first argument is not a key (the rest: the first argument is, as for GET and SET).
const NO_KEY = new Set([
  'command',
  'config',
  'dbsize',
  'echo',
  'flushall',
  'flushdb',
  'info',
  'keys',
  'ping',
  'publish',
  'randomkey',
  'scan',
  'script',
  'time',
])

/** The key arguments of a command, as far as the size check goes. */
function keysOf(name: string, args: readonly string[]): readonly string[] {
  if (name === 'eval' || name === 'evalsha' || name === 'eval_ro' || name === 'evalsha_ro') {
    const count = Number(args[2])
    return Number.isInteger(count) && count > 0 ? args.slice(3, 3 + count) : []
  }
  if (name === 'del' || name === 'unlink' || name === 'exists' || name === 'touch' || name === 'mget')
    return args.slice(1)
  return NO_KEY.has(name) || args[1] === undefined ? [] : [args[1]]
}

/** Upstash's error for a key over MAX_KEY_BYTES, or undefined. */
function keySizeProblem(name: string, args: readonly string[]): string | undefined {
  for (const key of keysOf(name, args)) {
    const bytes = Buffer.byteLength(key)
    if (bytes > MAX_KEY_BYTES)
      return `ERR max key size exceeded. Limit: ${MAX_KEY_BYTES} bytes, Actual: ${bytes} bytes`
  }
  return undefined
}

/** Why the local server will not run this command, or undefined when it will. */
export function refusal(args: readonly string[]): string | undefined {
  const name = (args[0] as string).toLowerCase()
  const tooLarge = keySizeProblem(name, args)
  if (tooLarge) return tooLarge
  const blocking =
    BLOCKING.has(name) ||
    ((name === 'xread' || name === 'xreadgroup') && args.some((arg) => arg.toLowerCase() === 'block'))
  if (CONNECTION_STATE.has(name) || blocking)
    return `ERR '${name}' is not supported by the local Upstash server: it would ${blocking ? 'block' : 'change the state of'} its shared Redis connection${name === 'multi' || name === 'exec' ? '; POST the commands to /multi-exec instead' : ''}`
  return undefined
}

/** One command from its JSON form, or a BadRequest saying what is wrong with it. */
export function parseCommand(value: unknown, where = 'the command'): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new BadRequest(
      `ERR ${where} must be a non-empty JSON array like ["SET","key","value"], got ${JSON.stringify(value)?.slice(0, 100)}`,
    )
  const args = value.map((arg: unknown, i) => {
    if (typeof arg === 'string') return arg
    if ((typeof arg === 'number' && Number.isFinite(arg)) || typeof arg === 'boolean') return String(arg)
    throw new BadRequest(
      `ERR argument ${i} of ${where} must be a JSON string, number or boolean, got ${JSON.stringify(arg)?.slice(0, 100)}`,
    )
  })
  return args
}

/** The commands of a /pipeline or /multi-exec body (a non-empty array of commands). */
export function parseCommands(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0)
    throw new BadRequest(
      'ERR the body must be a non-empty JSON array of commands like [["SET","k","v"],["GET","k"]]',
    )
  return value.map((command: unknown, i) => parseCommand(command, `command ${i}`))
}
