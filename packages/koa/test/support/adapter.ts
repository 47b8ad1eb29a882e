// How the binding conformance suite drives @sluice/koa: a Koa app (2 or 3) per test.

import type { BindingAdapter } from '@sluice/binding-conformance'
import type Koa from 'koa'
import type { Middleware, ParameterizedContext } from 'koa'
import {
  type OnLimited,
  type RateLimitMiddleware,
  type RateLimitOptions,
  rateLimit,
} from '../../src/index.ts'

type Ctx = ParameterizedContext

export function koaAdapter(KoaApp: typeof Koa): BindingAdapter<Ctx, Middleware> {
  return {
    rateLimit: (options) => rateLimit(options as RateLimitOptions),
    app: ({ middlewares, trustProxy, handle, failed }) => {
      const app = new KoaApp()
      app.proxy = trustProxy
      // Koa's own error handling answers 500; listening also keeps it from logging the error.
      app.on('error', failed)
      for (const middleware of middlewares) app.use(middleware)
      app.use(async (ctx) => {
        const { status, body } = await handle(ctx.state.rateLimit)
        ctx.status = status
        ctx.body = body
      })
      return app.callback()
    },
    // Koa answers '' for a header the request lacks.
    header: (ctx, name) => ctx.get(name) || undefined,
    path: (ctx) => ctx.path,
    onLimited:
      (reply): OnLimited<Ctx> =>
      async (ctx, limited) => {
        ctx.body = await reply(limited, ctx.state.rateLimit)
      },
    events: (middleware) => (middleware as RateLimitMiddleware).events,
    clientAddressSource: 'ctx.ip',
    trustProxy: true,
  }
}
