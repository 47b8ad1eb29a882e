// The node-redis store: sluice's Redis scripts (scriptStore) through node-redis's raw commands, on one server or a cluster.
import { createHash } from 'node:crypto'
import { type LuaScript, type ScriptClient, type ScriptStore, scriptStore } from '@sluice/redis-scripts'
import { isCluster, type NodeRedisClientOrCluster, send } from './client.ts'
import { isReplyError, storeDeadlineErrors, versionCheck } from './errors.ts'
import { type NodeRedisStoreOptions, resolveOptions } from './options.ts'

/** The node-redis store: the shared script store, whose own deadline and `close()` are always there. */
export type NodeRedisStore = ScriptStore

/**
 * A sluice store on Redis or Redis Cluster through node-redis (the `redis` package, v4, v5 or v6).
 * A decision is one Lua script call (one round trip), atomic on the server, all limits of a
 * composite included; the decisions of one event-loop turn share one call per Redis master
 * (`batch`, the default), each still atomic on its own. Scripts go by `EVALSHA`; after `NOSCRIPT`
 * (a `SCRIPT FLUSH`, a restart, a failover) the store sends the script itself (`EVAL`), which
 * loads it again.
 *
 * Every call settles within `timeoutMs`, with `StoreTimeoutError` when Redis does not answer
 * (node-redis may be reconnecting with its offline queue) and `StoreError` on any other failure,
 * such as a client not connected yet. `close()` lets pending calls settle and stops the store's
 * timer; it never closes your client.
 *
 * @example
 * import { createClient } from 'redis'
 * import { createRateLimiter, tokenBucket } from '@sluice/core'
 * import { nodeRedisStore } from '@sluice/node-redis'
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const store = nodeRedisStore({ client })
 * const limiter = createRateLimiter({ store, algorithm: tokenBucket({ capacity: 50, refillRate: 10 }) })
 * const decision = await limiter.limit('user:42')
 */
export function nodeRedisStore(options: NodeRedisStoreOptions): NodeRedisStore {
  const { client, prefix, clock, timeoutMs, batch, minBatch } = resolveOptions(options)
  return scriptStore({
    name: 'node-redis',
    client: adapter(client),
    prefix,
    clock,
    timeoutMs,
    batch,
    minBatch,
    ...storeDeadlineErrors(client, timeoutMs),
  })
}

/** Each script's SHA-1, computed once: EVALSHA names a script by it. */
const shas = new WeakMap<LuaScript, string>()

function shaOf(script: LuaScript): string {
  let sha = shas.get(script)
  if (sha === undefined) {
    sha = createHash('sha1').update(script.lua).digest('hex')
    shas.set(script, sha)
  }
  return sha
}

/** `EVALSHA sha numkeys key… arg…` (or `EVAL script …`) as one array. */
function scriptCommand(
  name: string,
  script: string,
  keys: readonly string[],
  args: readonly string[],
): string[] {
  const command = [name, script, String(keys.length)]
  for (const key of keys) command.push(key)
  for (const arg of args) command.push(arg)
  return command
}

/** What the shared script store needs of a node-redis client or cluster. */
function adapter(client: NodeRedisClientOrCluster): ScriptClient {
  const slots = isCluster(client) ? client.slots : undefined
  return {
    // node-redis's own promise, one array per call: no async frame, no intermediate arrays.
    run(script, keys, args) {
      return send(client, keys[0], scriptCommand('EVALSHA', shaOf(script), keys, args)).catch((error) => {
        // Not cached on that server (flushed, restarted, failed over): EVAL runs and caches it.
        if (!isReplyError(error) || !error.message.startsWith('NOSCRIPT')) throw error
        return send(client, keys[0], scriptCommand('EVAL', script.lua, keys, args))
      })
    },
    del: (keys) => send(client, keys[0], ['DEL'].concat(keys)),
    // A cluster's masters by slot, as node-redis routes: decisions on one master share a call.
    ...(slots === undefined ? {} : { nodeOf: (slot: number) => slots[slot]?.master.address }),
    ready: versionCheck(client),
  }
}
