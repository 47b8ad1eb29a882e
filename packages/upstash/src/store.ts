import { type LimitDecision, StoreError } from '@sluice/core'
import type { Store, StoreRequest } from '@sluice/core/store'
import { APPLY_SCRIPT, applyCall, parseApplyReply, SCRIPT_ALGORITHMS, storeKeys } from '@sluice/redis-scripts'
import { storeDeadlines } from './deadline.ts'
import { resolveOptions, type UpstashStoreOptions } from './options.ts'
import { clientSecrets } from './redact.ts'

/**
 * A sluice store on Upstash Redis through `@upstash/redis` (REST over `fetch`), for Node and edge
 * runtimes alike. Every decision, every limit of a composite included, is one Lua script call in
 * one HTTP request, atomic on the server. The client's own script support computes the SHA, sends
 * `EVALSHA`, and sends the script again on `NOSCRIPT`; with the client's auto-pipelining (its
 * default) the decisions of one tick share one request.
 *
 * Time is the limiter's clock (`Date.now()` of the calling process unless the limiter has a
 * `clock`), passed into the script: Upstash discourages clock reads inside scripts.
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
  const { client, prefix, timeoutMs } = resolveOptions(options)
  const script = client.createScript<unknown>(APPLY_SCRIPT)
  const deadlines = storeDeadlines(timeoutMs, clientSecrets(client))

  async function run(request: StoreRequest): Promise<readonly LimitDecision[]> {
    const { keys, argv } = applyCall(prefix, request, 'client')
    const reply = await script.exec(keys, argv)
    try {
      return parseApplyReply(reply, request.limits.length)
    } catch (error) {
      throw new StoreError(`upstash store: unexpected reply from the rate-limit script: ${message(error)}`, {
        cause: error,
      })
    }
  }

  return {
    name: 'upstash',
    capabilities: { algorithms: SCRIPT_ALGORITHMS, composite: true },
    timeoutMs,
    apply: (request) => deadlines.run('apply', () => run(request)),
    reset: (key, limits) =>
      deadlines.run('reset', async () => {
        if (limits.length > 0) await client.del(...storeKeys(prefix, key, limits))
      }),
    // Settles this store's calls and stops its timer; the client is plain fetch: nothing to close.
    close: () => deadlines.close(),
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
