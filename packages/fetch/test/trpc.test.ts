// The README's tRPC recipe, for real: a tRPC router on the fetch adapter, refused by a middleware.
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { initTRPC, TRPCError } from '@trpc/server'
import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { describe, expect, it } from 'vitest'
import { rateLimit, rateLimitHeaders } from '../src/index.ts'

function trpcApp() {
  const limiter = createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit: 2, window: '1m', name: 'api' }),
    // A still clock: no minute boundary falls between two requests.
    clock: () => 1_699_999_998_000,
  })
  const limit = rateLimit({ limiter, key: (request) => request.headers.get('authorization') ?? 'anonymous' })

  const t = initTRPC.context<{ req: Request }>().create()
  const limited = t.middleware(async ({ ctx, next }) => {
    const refused = await limit(ctx.req)
    if (refused) {
      throw new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message: `retry after ${refused.headers.get('retry-after')} s`,
      })
    }
    return next()
  })
  const router = t.router({ hello: t.procedure.use(limited).query(() => 'world') })

  return (req: Request) =>
    fetchRequestHandler({
      endpoint: '/trpc',
      req,
      router,
      createContext: ({ req }) => ({ req }),
      responseMeta: ({ ctx }) => ({ headers: ctx ? rateLimitHeaders(ctx.req) : new Headers() }),
    })
}

describe('tRPC (fetch adapter)', () => {
  it('two calls pass with the headers; the third is TOO_MANY_REQUESTS (429) with Retry-After', async () => {
    const handle = trpcApp()
    const call = () => handle(new Request('http://app.test/trpc/hello', { headers: { authorization: 'u1' } }))
    const first = await call()
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ result: { data: 'world' } })
    expect(first.headers.get('ratelimit')).toBe('"api";r=1;t=42')
    expect((await call()).status).toBe(200)
    const refused = await call()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('42')
    expect(refused.headers.get('ratelimit')).toBe('"api";r=0;t=42')
    const body = (await refused.json()) as { error: { message: string; data: { code: string } } }
    expect(body.error.data.code).toBe('TOO_MANY_REQUESTS')
    expect(body.error.message).toBe('retry after 42 s')
    // Another client has its own budget.
    const other = await handle(
      new Request('http://app.test/trpc/hello', { headers: { authorization: 'u2' } }),
    )
    expect(other.status).toBe(200)
  })
})
