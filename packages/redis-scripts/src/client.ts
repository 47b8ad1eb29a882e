// What `scriptStore` needs from a Redis client: the adapter a Redis-protocol store writes for its client.
import type { LuaScript } from './scripts.ts'

/** One script call: the script, its declared keys (one Cluster slot) and its arguments. */
export interface ScriptCall {
  readonly script: LuaScript
  readonly keys: string[]
  readonly args: string[]
}

/**
 * A Redis client as `scriptStore` uses it. `run` and `del` are all a client must offer; the rest
 * lets a store batch better (a Cluster's nodes, a request size limit) or check the server first.
 *
 * @example
 * // ioredis, on one server (the whole of @sluice/ioredis adds a Cluster's nodes and a version check)
 * const adapter: ScriptClient = {
 *   run: (script, keys, args) => client.evalsha(sha1(script.lua), keys.length, ...keys, ...args)
 *     .catch((e) => (String(e).includes('NOSCRIPT') ? client.eval(script.lua, keys.length, ...keys, ...args) : Promise.reject(e))),
 *   del: (keys) => client.del(...keys),
 * }
 */
export interface ScriptClient {
  /**
   * Runs `script` with `keys` declared (at least one, all in one Cluster slot) and `args`, and
   * resolves to its reply: EVALSHA, and EVAL when the server answers NOSCRIPT (after a restart, a
   * failover or SCRIPT FLUSH). A client may pad `keys` (repeat the last one): the scripts read how
   * many count from their arguments.
   */
  run(script: LuaScript, keys: string[], args: string[]): Promise<unknown>
  /** Deletes `keys` (all in one Cluster slot). */
  del(keys: string[]): Promise<unknown>
  /**
   * Optional, for a Redis Cluster: the node that serves `slot` (any text that names it), or
   * undefined while it is not known. Decisions on one node then share a script call, whatever their
   * slots; without it, decisions share a call only when they go to the same single server.
   */
  nodeOf?(slot: number): string | undefined
  /**
   * Optional: a promise every call waits for first (such as a check of the server's version), or
   * undefined when there is nothing to wait for.
   */
  ready?(): Promise<void> | undefined
  /**
   * Optional: the most bytes of keys and arguments one request may carry (a REST service's request
   * size limit, with room for its encoding). Default: no bound but the key count of one call.
   */
  readonly maxRequestBytes?: number
}
