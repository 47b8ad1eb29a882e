// The node-redis store's errors and server check: node-redis's messages, each failure a named sluice error.
import { SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import { checkServerVersion } from '@sluice/redis-scripts'
import { clientState, type NodeRedisClientOrCluster, send } from './client.ts'

/**
 * The store's deadline errors with node-redis's messages. A timed-out command goes on: node-redis
 * may hold it in its offline queue and send it once reconnected.
 */
export function storeDeadlineErrors(
  client: NodeRedisClientOrCluster,
  timeoutMs: number,
): {
  timeoutError(operation: string): StoreTimeoutError
  storeError(error: unknown, operation: string): SluiceError
} {
  return {
    timeoutError: (operation: string) =>
      new StoreTimeoutError(
        `node-redis store: ${operation} got no answer from Redis within ${timeoutMs} ms (client ${clientState(client)}); check that Redis is reachable, or raise timeoutMs`,
      ),
    storeError: (error: unknown, operation: string) => asStoreError(client, error, operation),
  }
}

function asStoreError(client: NodeRedisClientOrCluster, error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  // node-redis fails every command of a client never connected or already closed at once.
  const hint = client.isOpen ? '' : ` (client ${clientState(client)})`
  return new StoreError(`node-redis store: ${operation} failed: ${text}${hint}`, { cause: error })
}

/**
 * Whether `error` is the server's reply (node-redis's ErrorReply), not a lost connection: by its
 * class, or, where a bundler renamed classes, by Redis's error code opening its message
 * (`NOSCRIPT …`, `NOPERM …`, `ERR …`); node-redis's own errors read as sentences.
 */
export function isReplyError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'ErrorReply') return true
  }
  return /^[A-Z][A-Z_]+ /.test(error.message)
}

/**
 * The check, once per client, lazily on its first call, that the server runs a Redis the scripts
 * support (on a cluster: the node that answers INFO).
 */
export function versionCheck(client: NodeRedisClientOrCluster): () => Promise<void> | undefined {
  const probe = {
    store: 'node-redis store',
    info: async () => String(await send(client, undefined, ['INFO', 'server'])),
    refused: isReplyError,
  }
  return () => checkServerVersion(client, probe)
}
