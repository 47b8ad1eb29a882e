// The GLIDE store: sluice's Redis scripts (scriptStore) through GLIDE's own script calls, on one server or a cluster.
import { type LuaScript, type ScriptClient, type ScriptStore, scriptStore } from '@sluice/redis-scripts'
import { Decoder, Script } from '@valkey/valkey-glide'
import { argBufferCache } from './bytes.ts'
import { isClusterClient, type ValkeyGlideClient } from './client.ts'
import { storeDeadlineErrors, versionCheck } from './errors.ts'
import { resolveOptions, type ValkeyGlideStoreOptions } from './options.ts'
import { type SlotTable, slotTable } from './slots.ts'

/** The GLIDE store: the shared script store, whose own deadline and `close()` are always there. */
export type ValkeyGlideStore = ScriptStore

/**
 * A sluice store on Valkey or Redis through Valkey GLIDE (`@valkey/valkey-glide` v2), standalone
 * (`GlideClient`) or cluster (`GlideClusterClient`). A decision is one Lua script call (one round
 * trip), atomic on the server, all limits of a composite included; the decisions of one
 * event-loop turn share one call per primary (`batch`, the default), each still atomic on its own.
 * Scripts go through GLIDE's `invokeScript` (EVALSHA; after `NOSCRIPT`, from a `SCRIPT FLUSH`, a
 * restart or a failover, GLIDE loads the script again itself).
 *
 * Every call settles within `timeoutMs`, with `StoreTimeoutError` when the server does not answer
 * (GLIDE's own `requestTimeout`, 250 ms by default, may end it sooner: set it above `timeoutMs`)
 * and `StoreError` on any other failure, such as a closed client. `close()` lets pending calls
 * settle and stops the store's timer; it never closes your client.
 *
 * @example
 * import { GlideClient } from '@valkey/valkey-glide'
 * import { createRateLimiter, tokenBucket } from '@sluice/core'
 * import { valkeyGlideStore } from '@sluice/valkey-glide'
 *
 * const client = await GlideClient.createClient({ addresses: [{ host: 'localhost', port: 6379 }], requestTimeout: 2000 })
 * const store = valkeyGlideStore({ client })
 * const limiter = createRateLimiter({ store, algorithm: tokenBucket({ capacity: 50, refillRate: 10 }) })
 * const decision = await limiter.limit('user:42')
 */
export function valkeyGlideStore(options: ValkeyGlideStoreOptions): ValkeyGlideStore {
  const { client, prefix, clock, timeoutMs, batch, minBatch } = resolveOptions(options)
  return scriptStore({
    name: 'valkey-glide',
    client: adapter(client),
    prefix,
    clock,
    timeoutMs,
    batch,
    minBatch,
    ...storeDeadlineErrors(client, timeoutMs),
  })
}

/**
 * Each script as GLIDE holds it, made once per process: GLIDE keeps its text (to load it again after
 * NOSCRIPT) and SHA-1; the few scripts live as long as the process, so none is released.
 */
const glideScripts = new WeakMap<LuaScript, Script>()

function glideScript(script: LuaScript): Script {
  let made = glideScripts.get(script)
  if (made === undefined) {
    made = new Script(script.lua)
    glideScripts.set(script, made)
  }
  return made
}

/** Marks the slot table stale, then rejects with the call's error. */
function staleThen(table: SlotTable): (error: unknown) => never {
  return (error) => {
    table.stale()
    throw error
  }
}

/** Per client: one slot table, however many stores share it. */
const tables = new WeakMap<object, SlotTable>()

/** What the shared script store needs of a GLIDE client. */
function adapter(client: ValkeyGlideClient): ScriptClient {
  let table: SlotTable | undefined
  if (isClusterClient(client)) {
    table = tables.get(client) ?? slotTable(client)
    tables.set(client, table)
  }
  const checkVersion = versionCheck(client)
  const argBuffers = argBufferCache()
  return {
    // GLIDE routes a cluster call by its first key; the scripts' replies are read as text, whatever
    // the client's defaultDecoder. GLIDE's own promise as it is: no async frame per call. Arguments go
    // as Buffers (GLIDE would make them per call), the repeating ones made once.
    run(script, keys, args) {
      const reply = client.invokeScript(glideScript(script), {
        keys,
        args: argBuffers(args),
        decoder: Decoder.String,
      })
      // On a cluster a failed call may mean moved slots or a lost node: the table is read again.
      return table === undefined ? reply : reply.catch(staleThen(table))
    },
    del: (keys) => client.del(keys),
    // A cluster's primaries by slot: decisions on one primary share a call, whatever their slots.
    ...(table === undefined ? {} : { nodeOf: (slot: number) => table.nodeOf(slot) }),
    ready() {
      const version = checkVersion()
      const slots = table?.ready()
      if (slots === undefined) return version
      return version === undefined ? slots : Promise.all([version, slots]).then(() => undefined)
    },
  }
}
