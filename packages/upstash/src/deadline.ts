import { StoreTimeoutError } from '@sluice/core'
import { createStoreDeadlines, type StoreDeadlines } from '@sluice/core/store'
import { toStoreError } from './errors.ts'
import type { Secrets } from './redact.ts'

/**
 * The store's deadlines (core's shared machinery) with Upstash's messages. `@upstash/redis` has no
 * per-command abort, so a timed-out request goes on (the client may also be retrying a failed
 * fetch). `secrets`: the client's token and URL password, cut out of every error.
 */
export function storeDeadlines(timeoutMs: number, secrets: Secrets): StoreDeadlines {
  return createStoreDeadlines({
    store: 'upstash',
    timeoutMs,
    timeoutError: (operation) =>
      new StoreTimeoutError(
        `upstash store: ${operation} got no answer within ${timeoutMs} ms; check that the Upstash URL is reachable (the client retries failed requests, see its retry option), or raise timeoutMs`,
      ),
    storeError: (error, operation) => toStoreError(error, operation, secrets),
  })
}
