// How the binding conformance suite drives @sluice/fetch: a wrapped fetch handler served on Node by @hono/node-server.
import type { IncomingMessage } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { BindingAdapter } from '@sluice/binding-conformance'
import {
  type FetchHandler,
  getRateLimit,
  type OnLimited,
  type RateLimit,
  type RateLimitOptions,
  rateLimit,
} from '../../src/index.ts'

/** What @hono/node-server passes a fetch handler as its second argument. */
export interface NodeEnv {
  readonly incoming: IncomingMessage
}

/** The peer address on Node, as a user of @hono/node-server (or Bun, Deno) would pass it. */
export const socketAddress = (_request: Request, env: NodeEnv) => env.incoming.socket.remoteAddress

export const fetchAdapter: BindingAdapter<Request, RateLimit<NodeEnv>> = {
  // The suite's peer address must be said here, as clientAddress: it is the default key, and what
  // the allow/deny lists match when a key counts.
  rateLimit: (options) =>
    rateLimit<NodeEnv>(
      // Bad options (none at all, say) go to the binding as they are, for its ConfigError.
      typeof options === 'object' &&
        options !== null &&
        options.descriptors === undefined &&
        !('ipHeader' in options) &&
        !('clientAddress' in options)
        ? ({ clientAddress: socketAddress, ...options } as RateLimitOptions<NodeEnv>)
        : (options as RateLimitOptions<NodeEnv>),
    ),
  app: ({ middlewares, handle, failed }) => {
    // Outer first: the first middleware wraps all the others.
    let handler: FetchHandler<[NodeEnv]> = async (request) => {
      const { status, body } = await handle(getRateLimit(request))
      return Response.json(body, { status })
    }
    for (const limit of [...middlewares].reverse()) handler = limit.withRateLimit(handler)
    return getRequestListener(async (request, env) => {
      try {
        return await handler(request, env as NodeEnv)
      } catch (error) {
        // The runtime's own error handling: here, a 500 after telling the suite.
        failed(error)
        return new Response('error handler', { status: 500 })
      }
    })
  },
  header: (request, name) => request.headers.get(name) ?? undefined,
  path: (request) => new URL(request.url).pathname,
  onLimited:
    (reply): OnLimited =>
    async (request, limited) =>
      Response.json(await reply(limited, getRateLimit(request)), { status: limited.status }),
  events: (limit) => limit.events,
  clientAddressSource: 'clientAddress(request, ctx)',
  // No trusted-proxy setting: ipHeader is tested in identity.test.ts.
  trustProxy: false,
}
