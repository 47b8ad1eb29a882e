// The Upstash store: sluice's Redis scripts (scriptStore) through @upstash/redis's script support.
import type { Store } from '@sluice/core/store'
import { type ScriptClient, scriptStore } from '@sluice/redis-scripts'
import type { Redis } from '@upstash/redis'
import { storeDeadlineErrors } from './deadline.ts'
import { resolveOptions, type UpstashStoreOptions } from './options.ts'
import { clientSecrets } from './redact.ts'
import { scriptRunner, UPSTASH_CALL_BYTES } from './scripts.ts'

/**
 * A sluice store on Upstash Redis through `@upstash/redis` (REST over `fetch`), for Node and edge
 * runtimes alike. Every decision, every limit of a composite included, is one Lua script call in
 * one HTTP request, atomic on the server; the decisions of one event-loop turn share one script call
 * (`batch`, the default), each still atomic and all-or-nothing on its own, and with the client's
 * auto-pipelining (its default) one request of at most 5 MB (Upstash refuses requests over 10 MB).
 * Scripts go by `EVALSHA`; on `NOSCRIPT` (a new database, SCRIPT FLUSH) one `SCRIPT LOAD` serves the
 * whole burst. Every script carries Upstash's `allow-key-locking` flag: it locks only its own keys,
 * not the database.
 *
 * Time is the limiter's clock (`Date.now()` of the calling process unless the limiter has a
 * `clock`), passed into the script, as Upstash's scripting docs advise; `clock: 'server'` reads the
 * database's clock in the script instead.
 *
 * Every call settles within `timeoutMs`, with `StoreTimeoutError` when no answer comes and
 * `StoreError` on any other failure (the server's error text, a refused token as HTTP 401, a reply
 * that is no JSON); neither the token nor a URL credential appears anywhere in an error, its
 * `cause` chain included. `close()` lets pending calls settle and stops the store's timer.
 *
 * @example
 * import { Redis } from '@upstash/redis'
 * import { createRateLimiter, slidingWindow } from '@sluice/core'
 * import { upstashStore } from '@sluice/upstash'
 *
 * const store = upstashStore({ client: Redis.fromEnv() })
 * const limiter = createRateLimiter({ store, algorithm: slidingWindow({ limit: 100, window: '1m' }) })
 * const decision = await limiter.limit('user:42')
 */
export function upstashStore(options: UpstashStoreOptions): Store {
  const { client, prefix, clock, timeoutMs, batch } = resolveOptions(options)
  return scriptStore({
    name: 'upstash',
    client: adapter(client),
    prefix,
    clock,
    timeoutMs,
    batch,
    // Every script call is billed: any batch beats one call per decision, whatever the default.
    minBatch: 2,
    ...storeDeadlineErrors(timeoutMs, clientSecrets(client)),
  })
}

/** What the shared script store needs of an `@upstash/redis` client. */
function adapter(client: Redis): ScriptClient {
  return {
    run: scriptRunner(client),
    del: (keys) => client.del(...keys),
    maxRequestBytes: UPSTASH_CALL_BYTES,
  }
}
