// What the store needs of a node-redis client or cluster: structural types that v4, v5 and v6 all fit.

/**
 * A node-redis client (`createClient()` of the `redis` package, v4 to v6), as the store uses it:
 * raw commands and whether it is open.
 */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>
  readonly isOpen: boolean
  readonly isReady?: boolean
}

/**
 * A node-redis cluster (`createCluster()`, v4 to v6), as the store uses it: raw commands routed by
 * their first key, whether it is open, and each slot's master.
 */
export interface NodeRedisCluster {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>
  readonly isOpen: boolean
  readonly isReady?: boolean
  /** node-redis's slot table: index = slot, the shard that serves it (once discovered). */
  readonly slots: ArrayLike<{ readonly master: { readonly address: string } } | undefined>
}

export type NodeRedisClientOrCluster = NodeRedisClient | NodeRedisCluster

/** Whether `client` is a cluster: only a cluster has a slot table. */
export function isCluster(client: NodeRedisClientOrCluster): client is NodeRedisCluster {
  return 'slots' in client
}

/** The per-command options the store passes (v5 and v6 read `timeout`; v4 ignores it). */
interface CommandOptions {
  readonly timeout?: number
}

/** A client's `sendCommand` with its options argument, which every major has (typed apart in each). */
interface SendWithOptions {
  sendCommand(args: string[], options: CommandOptions): Promise<unknown>
}

/**
 * For a client that is ready: no node-redis command timeout. node-redis v6 gives every command one
 * (5 s by default): an `AbortSignal.timeout` and its listeners per command, with the garbage they
 * make more than half of Node's CPU per unbatched decision in the benchmark. The store's own
 * deadline (`timeoutMs`) already bounds each call.
 */
const WRITTEN_AT_ONCE: CommandOptions = Object.freeze({ timeout: 0 })

/**
 * A command to the server that serves `key` (any server of a cluster when there is none). A client
 * that is not ready keeps node-redis's own timeout (the client's `commandOptions`): the command waits
 * in its offline queue, and that timeout is what takes it out, so it is never sent late.
 */
export function send(
  client: NodeRedisClientOrCluster,
  key: string | undefined,
  args: string[],
): Promise<unknown> {
  if (isCluster(client)) return client.sendCommand(key, false, args)
  if (client.isReady !== true) return client.sendCommand(args)
  return (client as unknown as SendWithOptions).sendCommand(args, WRITTEN_AT_ONCE)
}

/** The client's state for messages: why a call might get no answer. */
export function clientState(client: NodeRedisClientOrCluster): string {
  if (!client.isOpen) return 'closed: call `await client.connect()` before the first call'
  if (client.isReady === false) return 'open, not ready: connecting or reconnecting'
  return client.isReady === true ? 'ready' : 'open'
}
