// The Upstash store's deadline errors: its messages, with the client's secrets cut out.
import { type SluiceError, StoreTimeoutError } from '@sluice/core'
import { toStoreError } from './errors.ts'
import type { Secrets } from './redact.ts'

/**
 * The store's deadline errors (for core's shared deadlines) with Upstash's messages. `@upstash/redis` has no
 * per-command abort, so a timed-out request goes on (the client may also be retrying a failed
 * fetch). `secrets`: the client's token and URL password, cut out of every error.
 */
export function storeDeadlineErrors(
  timeoutMs: number,
  secrets: Secrets,
): {
  timeoutError(operation: string): StoreTimeoutError
  storeError(error: unknown, operation: string): SluiceError
} {
  return {
    timeoutError: (operation) =>
      new StoreTimeoutError(
        `upstash store: ${operation} got no answer within ${timeoutMs} ms; check that the Upstash URL is reachable (the client retries failed requests, see its retry option), or raise timeoutMs`,
      ),
    storeError: (error, operation) => toStoreError(error, operation, secrets),
  }
}
