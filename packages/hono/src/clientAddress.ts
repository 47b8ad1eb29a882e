import { InputError } from '@sluice/core'
import type { BindingSpec } from '@sluice/core/http'
import type { Context } from 'hono'
import { getRuntimeKey } from 'hono/adapter'

/** What @hono/node-server passes as `c.env`: the Node request, whose socket has the peer address. */
interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } | null }
}

/** Runtimes that never run @hono/node-server, so no request there has a socket address. */
const NO_SOCKET: Record<string, string> = {
  workerd: 'Cloudflare Workers',
  fastly: 'Fastly Compute',
  'edge-light': 'Vercel Edge',
}

const SOURCE = 'c.env.incoming.socket.remoteAddress'

/**
 * The socket address of a request served by @hono/node-server (on Node, or on Bun or Deno through
 * their `node:http`), read without importing any Node module. `X-Forwarded-For` and the like are
 * never read: a proxy's clients must be told apart by a `key` function the user writes.
 */
function socketAddress(c: Context): string | undefined {
  const env = c.env as NodeBindings | undefined
  if (env?.incoming === undefined) {
    throw new InputError(
      `rateLimit: this request has no socket address (c.env.incoming is missing: it did not come through @hono/node-server, e.g. Bun.serve, Deno.serve or app.request()); pass key: (c) => string, such as an authenticated user id, or on Bun and Deno key: (c) => getConnInfo(c).remote.address with getConnInfo from 'hono/bun' or 'hono/deno'`,
    )
  }
  return env.incoming.socket?.remoteAddress
}

/**
 * How core sees Hono requests. On runtimes that can never have a socket address, `clientAddress` is
 * left out, so a `rateLimit()` without `key` throws a `ConfigError` at construction; elsewhere a
 * request without one is an `InputError` for `app.onError`.
 */
export function honoSpec(): BindingSpec<Context> {
  const runtime = NO_SOCKET[getRuntimeKey()]
  if (runtime === undefined) {
    return {
      factory: 'rateLimit',
      binding: 'hono',
      clientAddress: socketAddress,
      clientAddressSource: SOURCE,
    }
  }
  return {
    factory: 'rateLimit',
    binding: 'hono',
    missingKeyHelp: `on ${runtime} a request carries no socket address, and sluice never trusts a header such as X-Forwarded-For by default; pass key: (c) => string, such as an authenticated user id, or a header your platform itself sets (on Cloudflare: (c) => c.req.header('cf-connecting-ip'))`,
  }
}
