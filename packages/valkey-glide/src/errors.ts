// The GLIDE store's errors and server check: GLIDE's failures, each as a named sluice error.
import { SluiceError, StoreError, StoreTimeoutError } from '@sluice/core'
import { checkServerVersion } from '@sluice/redis-scripts'
import { ClosingError, ConnectionError, RequestError, TimeoutError } from '@valkey/valkey-glide'
import { isClosed, serverInfo, type ValkeyGlideClient } from './client.ts'

const STORE = 'valkey-glide store'

/** Whether `error` is an instance of GLIDE's class, or of one named so (a bundled second copy). */
function is(error: unknown, type: abstract new (...args: never[]) => Error): error is Error {
  return error instanceof type || (error instanceof Error && error.constructor?.name === type.name)
}

/** The client's state for messages: why a call might get no answer. */
function clientState(client: ValkeyGlideClient): string {
  return isClosed(client) ? 'closed: create a new client, GLIDE does not reopen one' : 'open'
}

/**
 * The store's deadline errors, and GLIDE's failures as sluice errors: GLIDE's own timeout (the
 * client's `requestTimeout`, 250 ms unless set) is a StoreTimeoutError too.
 */
export function storeDeadlineErrors(
  client: ValkeyGlideClient,
  timeoutMs: number,
): {
  timeoutError(operation: string): StoreTimeoutError
  storeError(error: unknown, operation: string): SluiceError
} {
  return {
    timeoutError: (operation: string) =>
      new StoreTimeoutError(
        `${STORE}: ${operation} got no answer from the server within ${timeoutMs} ms (client ${clientState(client)}); check that Valkey/Redis is reachable, or raise timeoutMs`,
      ),
    storeError: (error: unknown, operation: string) => asStoreError(client, error, operation),
  }
}

function asStoreError(client: ValkeyGlideClient, error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error
  const text = error instanceof Error ? error.message : String(error)
  if (is(error, TimeoutError)) {
    return new StoreTimeoutError(
      `${STORE}: ${operation} timed out in the GLIDE client (${text}); its requestTimeout (default 250 ms) is shorter than the store's timeoutMs: raise it in GlideClient.createClient({ requestTimeout })`,
      { cause: error },
    )
  }
  if (/maximum inflight requests/i.test(text)) {
    // GLIDE refuses a request past its inflightRequestsLimit (1000 unless set) at once.
    return new StoreError(
      `${STORE}: ${operation} refused by the GLIDE client: ${text}; more calls were in flight than its inflightRequestsLimit (default 1000): keep batch: true (the default: one call per primary per turn) or raise inflightRequestsLimit in createClient`,
      { cause: error },
    )
  }
  if (is(error, ClosingError) || isClosed(client)) {
    return new StoreError(`${STORE}: ${operation} failed: ${text} (client ${clientState(client)})`, {
      cause: error,
    })
  }
  return new StoreError(`${STORE}: ${operation} failed: ${text}`, { cause: error })
}

/** Whether `error` is the server's answer (such as an ACL refusing INFO), not a lost connection. */
function isReplyError(error: unknown): boolean {
  return is(error, RequestError) && !is(error, TimeoutError) && !is(error, ConnectionError)
}

/**
 * The check, once per client, lazily on its first call, that the server runs a Redis the scripts
 * support (Valkey reports a compatible `redis_version`; on a cluster: one node).
 */
export function versionCheck(client: ValkeyGlideClient): () => Promise<void> | undefined {
  const probe = { store: STORE, info: () => serverInfo(client), refused: isReplyError }
  return () => checkServerVersion(client, probe)
}
