// The ioredis store: sluice's Redis scripts (scriptStore) through ioredis's defineCommand, on one server or a Cluster.
import type { Store } from '@sluice/core/store'
import {
  BAN_SCRIPT,
  CHARGE_SCRIPT,
  ENGINE_SCRIPT,
  KIND_SCRIPTS,
  type LuaScript,
  REFUND_SCRIPT,
  type ScriptClient,
  scriptStore,
} from '@sluice/redis-scripts'
import type { IoredisStoreClient } from './client.ts'
import { storeDeadlineErrors } from './deadline.ts'
import { type IoredisStoreOptions, resolveOptions } from './options.ts'
import { versionCheck } from './version.ts'

type Client = IoredisStoreClient
type ScriptCommand = (...args: string[]) => Promise<unknown>

/**
 * Each script is one client command per key count, all defined up front: a fixed key count puts
 * the first key first, which ioredis's auto-pipelining on a Cluster needs to route the call, and a
 * command defined later would be missing from an auto-pipeline already collecting in that tick
 * (ioredis copies commands into a pipeline when it makes it). A kind's script takes one key; the
 * engine 1, 2, 4, … up to 256, a call of n keys taking the smallest count ≥ n, its last key
 * repeated as padding (the engine reads how many count from its arguments).
 */
const ENGINE_KEY_COUNTS = Array.from({ length: 9 }, (_, i) => 2 ** i)

/** The ioredis store: a `Store` whose own deadline and `close()` are always there. */
export interface IoredisStore extends Store {
  readonly timeoutMs: number
  /** Lets pending calls settle (each within `timeoutMs`) and stops the store's timer. Never closes your client. */
  close(): Promise<void>
}

/**
 * A sluice store on Redis or Redis Cluster through ioredis. A decision is one Lua script call (one
 * round trip), atomic on the server, all limits of a composite included; the decisions of one
 * event-loop turn share one call per Redis node (`batch`, the default), each still atomic on its
 * own. ioredis loads the scripts and recovers from `NOSCRIPT` (after `SCRIPT FLUSH`, a restart or
 * a failover) by itself.
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
  const { client, prefix, clock, timeoutMs, batch, minBatch } = resolveOptions(options)
  return scriptStore({
    name: 'ioredis',
    client: adapter(client),
    prefix,
    clock,
    timeoutMs,
    batch,
    minBatch,
    ...storeDeadlineErrors(client, timeoutMs),
  })
}

/** What the shared script store needs of an ioredis client. */
function adapter(client: Client): ScriptClient {
  const commands = new Map<LuaScript, Map<number, ScriptCommand>>()
  for (const script of Object.values(KIND_SCRIPTS)) commands.set(script, defined(client, script, [1]))
  commands.set(ENGINE_SCRIPT, defined(client, ENGINE_SCRIPT, ENGINE_KEY_COUNTS))
  commands.set(REFUND_SCRIPT, defined(client, REFUND_SCRIPT, ENGINE_KEY_COUNTS))
  commands.set(BAN_SCRIPT, defined(client, BAN_SCRIPT, [1]))
  commands.set(CHARGE_SCRIPT, defined(client, CHARGE_SCRIPT, ENGINE_KEY_COUNTS))
  const slots = 'nodes' in client ? client.slots : undefined
  return {
    async run(script, keys, args) {
      const byCount = commands.get(script) as Map<number, ScriptCommand>
      let command = byCount.get(keys.length)
      if (command === undefined) {
        const count = ENGINE_KEY_COUNTS.find((n) => n >= keys.length) as number
        while (keys.length < count) keys.push(keys[keys.length - 1] as string)
        command = byCount.get(count) as ScriptCommand
      }
      const all = keys.concat(args)
      try {
        return await command.apply(client, all)
      } catch (error) {
        // ioredis resends once after NOSCRIPT; a second flush racing that resend gets one more try.
        if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
        return await command.apply(client, all)
      }
    },
    del: (keys) => client.del(...keys),
    // A Cluster's masters by slot, as ioredis routes: decisions on one master share a call.
    ...(slots === undefined ? {} : { nodeOf: (slot: number) => slots[slot]?.[0] }),
    ready: versionCheck(client),
  }
}

/** `script` as commands of `client` taking each of `counts` keys, defined once per client. */
function defined(client: Client, script: LuaScript, counts: readonly number[]): Map<number, ScriptCommand> {
  const byCount = new Map<number, ScriptCommand>()
  const commands = client as unknown as Record<string, ScriptCommand | undefined>
  for (const n of counts) {
    const name = `${script.name}_${n}`
    if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys: n, lua: script.lua })
    byCount.set(n, commands[name] as ScriptCommand)
  }
  return byCount
}
