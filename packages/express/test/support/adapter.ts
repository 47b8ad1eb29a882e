// How the binding conformance suite drives @sluice/express: an Express app (4 or 5) per test.

import type { BindingAdapter } from '@sluice/binding-conformance'
import type express from 'express'
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import {
  type OnLimited,
  type RateLimitMiddleware,
  type RateLimitOptions,
  rateLimit,
} from '../../src/index.ts'

export function expressAdapter(createApp: typeof express): BindingAdapter<Request, RequestHandler> {
  return {
    rateLimit: (options) => rateLimit(options as RateLimitOptions),
    app: ({ middlewares, trustProxy, handle, failed }) => {
      const app = createApp()
      if (trustProxy) app.set('trust proxy', 'loopback')
      for (const middleware of middlewares) app.use(middleware)
      // Express 4 does not catch a rejected handler: next(error) does.
      app.use((req, res, next) => {
        handle(req.rateLimit).then(({ status, body }) => {
          res.status(status).json(body)
        }, next)
      })
      const onError: ErrorRequestHandler = (error, _req, res, _next) => {
        failed(error)
        res.status(500).send('error handler')
      }
      app.use(onError)
      return app
    },
    header: (req, name) => req.get(name),
    path: (req) => req.path,
    onLimited:
      (reply): OnLimited =>
      async (req, res, _next, limited) => {
        res.status(limited.status).json(await reply(limited, req.rateLimit))
      },
    events: (middleware) => (middleware as RateLimitMiddleware).events,
    clientAddressSource: 'req.ip',
    trustProxy: true,
  }
}
