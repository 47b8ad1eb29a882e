// How the binding conformance suite drives @sluice/fastify: a Fastify app (4 or 5) per test, one registration per middleware.

import { createServer, type RequestListener } from 'node:http'
import type { BindingAdapter } from '@sluice/binding-conformance'
import type Fastify from 'fastify'
import type { FastifyRequest } from 'fastify'
import { type OnLimited, type RateLimitOptions, rateLimit, rateLimitHook } from '../../src/index.ts'

/**
 * The suite's "middleware" is one registration of the plugin, by its options. They are checked at
 * once by `rateLimitHook`, the function the plugin builds its hook with at registration, since the
 * suite expects a ConfigError from the factory call itself.
 */
export function fastifyAdapter(createApp: typeof Fastify): BindingAdapter<FastifyRequest, RateLimitOptions> {
  return {
    rateLimit: (options) => {
      rateLimitHook(options as Parameters<typeof rateLimitHook>[0])
      return options as RateLimitOptions
    },
    app: ({ middlewares, trustProxy, handle, failed }) => {
      let listener: RequestListener | undefined
      const app = createApp({
        trustProxy: trustProxy ? 'loopback' : false,
        serverFactory: (handler) => {
          listener = handler
          return createServer(handler)
        },
      })
      // Awaited: the plugin adds its hook to the routes declared after it has loaded (onRoute).
      const ready = (async () => {
        for (const options of middlewares) await app.register(rateLimit, options)
        app.all('/*', async (request, reply) => {
          const { status, body } = await handle(request.rateLimit)
          reply.code(status)
          return body
        })
        app.setErrorHandler((error, _request, reply) => {
          failed(error)
          reply.code(500).send('error handler')
        })
        await app.ready()
      })()
      return (req, res) => {
        ready.then(() => (listener as RequestListener)(req, res))
      }
    },
    header: (request, name) => request.headers[name.toLowerCase()] as string | undefined,
    path: (request) => request.url.split('?', 1)[0] as string,
    onLimited:
      (reply): OnLimited =>
      async (request, fastifyReply, limited) =>
        fastifyReply.code(limited.status).send(await reply(limited, request.rateLimit)),
    clientAddressSource: 'request.ip',
    trustProxy: true,
  }
}
