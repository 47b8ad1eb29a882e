import { ConfigError, type LimitDecision, StoreError } from '@sluice/core'
import type { Store, StoreRequest } from '@sluice/core/store'
import {
  APPLY_SCRIPT,
  applyCall,
  parseApplyReply,
  SCRIPT_ALGORITHMS,
  scriptFingerprint,
  storeKeys,
} from '@sluice/redis-scripts'
import type { Cluster, Redis } from 'ioredis'
import { storeDeadlines } from './deadline.ts'
import { type IoredisStoreOptions, resolveOptions } from './options.ts'
import { checkServerVersion } from './version.ts'

type Client = Redis | Cluster
type ScriptCommand = (...args: string[]) => Promise<unknown>

/**
 * The script is defined as one client command per key count, 1, 2, 4, … up to MAX_KEYS, all up
 * front: a fixed key count puts the first key first, which ioredis's auto-pipelining on a Cluster
 * needs to route the call, and a command defined later would be missing from an auto-pipeline
 * already collecting in that tick (ioredis copies commands into a pipeline when it makes it).
 * A decision of n limits takes the smallest count ≥ n and repeats its last key as padding.
 */
const MAX_KEYS = 256
const KEY_COUNTS = Array.from({ length: Math.log2(MAX_KEYS) + 1 }, (_, i) => 2 ** i)
const COMMAND_BASE = `sluiceApply_${scriptFingerprint(APPLY_SCRIPT)}_`

/** The ioredis store: a `Store` whose own deadline and `close()` are always there. */
export interface IoredisStore extends Store {
  readonly timeoutMs: number
  /** Lets pending calls settle (each within `timeoutMs`) and stops the store's timer. Never closes your client. */
  close(): Promise<void>
}

/**
 * A sluice store on Redis or Redis Cluster through ioredis. Every decision is one Lua script call
 * (one round trip), atomic on the server, all limits of a composite included; ioredis loads the
 * script and recovers from `NOSCRIPT` (after `SCRIPT FLUSH`, a restart or a failover) by itself.
 *
 * Every call settles within `timeoutMs`, with `StoreTimeoutError` when Redis does not answer
 * (ioredis may be reconnecting with its offline queue) and `StoreError` on any other failure.
 * `close()` lets pending calls settle and stops the store's timer; it never closes your client.
 *
 * @example
 * import Redis from 'ioredis'
 * import { createRateLimiter, tokenBucket } from '@sluice/core'
 * import { ioredisStore } from '@sluice/ioredis'
 *
 * const store = ioredisStore({ client: new Redis(process.env.REDIS_URL) })
 * const limiter = createRateLimiter({ store, algorithm: tokenBucket({ capacity: 50, refillRate: 10 }) })
 * const decision = await limiter.limit('user:42')
 */
export function ioredisStore(options: IoredisStoreOptions): IoredisStore {
  const { client, prefix, clock, timeoutMs } = resolveOptions(options)
  const commands = new Map(KEY_COUNTS.map((n) => [n, scriptCommand(client, n)]))
  const deadlines = storeDeadlines(client, timeoutMs)

  async function run(request: StoreRequest): Promise<readonly LimitDecision[]> {
    const { keys, argv } = applyCall(prefix, request, clock)
    const count = KEY_COUNTS.find((n) => n >= keys.length)
    if (count === undefined) {
      throw new ConfigError(
        `ioredis store: a composite of ${keys.length} limits is more than the ${MAX_KEYS} one script call takes; split the limiter`,
      )
    }
    while (keys.length < count) keys.push(keys[keys.length - 1] as string)
    const command = commands.get(count) as ScriptCommand
    const versionCheck = checkServerVersion(client)
    if (versionCheck !== undefined) await versionCheck
    let reply: unknown
    try {
      reply = await command.apply(client, [...keys, ...argv])
    } catch (error) {
      // ioredis resends once after NOSCRIPT; a second flush racing that resend gets one more try.
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
      reply = await command.apply(client, [...keys, ...argv])
    }
    try {
      return parseApplyReply(reply, request.limits.length)
    } catch (error) {
      throw new StoreError(`ioredis store: unexpected reply from the rate-limit script: ${message(error)}`, {
        cause: error,
      })
    }
  }

  return {
    name: 'ioredis',
    capabilities: { algorithms: SCRIPT_ALGORITHMS, composite: true },
    timeoutMs,
    apply: (request) => deadlines.run('apply', () => run(request)),
    reset: (key, limits) =>
      deadlines.run('reset', async () => {
        if (limits.length > 0) await client.del(...storeKeys(prefix, key, limits))
      }),
    // Settles this store's calls and stops its timer; the client is yours: quit it yourself.
    close: () => deadlines.close(),
  }
}

/** The script as a command of `client` taking `n` keys, defined once per client. */
function scriptCommand(client: Client, n: number): ScriptCommand {
  const name = `${COMMAND_BASE}${n}`
  const commands = client as unknown as Record<string, ScriptCommand | undefined>
  let command = commands[name]
  if (typeof command !== 'function') {
    client.defineCommand(name, { numberOfKeys: n, lua: APPLY_SCRIPT })
    command = commands[name] as ScriptCommand
  }
  return command
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
