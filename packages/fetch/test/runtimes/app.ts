// The app every runtime test serves: two requests a minute per client, on a still clock.
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { getRateLimit, type RateLimitOptions, withRateLimit } from '../../src/index.ts'

/** Bun, Deno and workerd each name themselves here; the project's types (Node's) leave it out. */
declare const navigator: { readonly userAgent: string }

/**
 * A handler limited to 2 requests a minute per client, answering with the runtime's own name
 * (`navigator.userAgent`: `Bun/…`, `Deno/…`, `Cloudflare-Workers`) and the decision. The clock
 * stands still, so no minute boundary can fall between two requests of a test.
 */
export function limitedApp<Ctx>(
  identity: Pick<RateLimitOptions<Ctx>, 'clientAddress' | 'ipHeader'>,
): (request: Request, ctx: Ctx) => Promise<Response> {
  const limiter = createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit: 2, window: '1m', name: 'api' }),
    clock: () => 1_699_999_998_000,
  })
  return withRateLimit<Ctx, [Ctx]>(
    (request) => Response.json({ runtime: navigator.userAgent, remaining: getRateLimit(request)?.remaining }),
    { limiter, headers: 'both', ...identity },
  )
}
