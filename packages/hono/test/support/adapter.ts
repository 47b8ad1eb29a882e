// How the binding conformance suite drives @sluice/hono: a Hono app per test, served by @hono/node-server.
import { getRequestListener } from '@hono/node-server'
import type { BindingAdapter } from '@sluice/binding-conformance'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import {
  type OnLimited,
  type RateLimitMiddleware,
  type RateLimitOptions,
  rateLimit,
} from '../../src/index.ts'

export const honoAdapter: BindingAdapter<Context, MiddlewareHandler> = {
  rateLimit: (options) => rateLimit(options as RateLimitOptions),
  app: ({ middlewares, handle, failed }) => {
    const app = new Hono()
    app.onError((error, c) => {
      failed(error)
      return c.text('error handler', 500)
    })
    for (const middleware of middlewares) app.use(middleware)
    app.all('*', async (c) => {
      const { status, body } = await handle(c.get('rateLimit'))
      return c.json(body as object, status as ContentfulStatusCode)
    })
    return getRequestListener(app.fetch)
  },
  header: (c, name) => c.req.header(name),
  path: (c) => c.req.path,
  // A bare Response: the binding must keep its headers on whatever onLimited returns.
  onLimited:
    (reply): OnLimited =>
    async (c, limited) =>
      new Response(JSON.stringify(await reply(limited, c.get('rateLimit'))), {
        status: limited.status,
        headers: { 'content-type': 'application/json' },
      }),
  events: (middleware) => (middleware as RateLimitMiddleware).events,
  clientAddressSource: 'c.env.incoming.socket.remoteAddress',
  // Hono has no trusted-proxy setting: the binding reads only the socket.
  trustProxy: false,
}
