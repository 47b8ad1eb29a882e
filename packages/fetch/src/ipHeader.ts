// The closed list of platform headers that name the client, and how each one is read.
import { ConfigError, InputError } from '@sluice/core'

/**
 * A header a platform in front of the app sets to the client's IP address, overwriting whatever
 * the client sent:
 *
 * | `ipHeader` | set by | read |
 * | --- | --- | --- |
 * | `'cf-connecting-ip'` | Cloudflare (Workers, and any site proxied by Cloudflare) | the whole value |
 * | `'x-real-ip'` | Vercel, and nginx with `proxy_set_header X-Real-IP $remote_addr` | the whole value |
 * | `'x-vercel-forwarded-for'` | Vercel | the last address of the list |
 * | `'fly-client-ip'` | Fly.io | the whole value |
 * | `'x-nf-client-connection-ip'` | Netlify | the whole value |
 * | `'x-forwarded-for'` | one proxy that appends the address it saw (AWS ALB, Render, Heroku, nginx `$proxy_add_x_forwarded_for`) | the last address of the list |
 *
 * A list header is read from its right end: the last address is the one the proxy in front of the
 * app appended, the others are the client's to write. Behind two or more proxies that append, pass
 * `clientAddress` and pick the place yourself. A single-valued header that carries a list (the
 * client sent one the platform did not overwrite) is not an IP: a 400, never a fresh budget.
 */
export type IpHeader =
  | 'cf-connecting-ip'
  | 'x-real-ip'
  | 'x-vercel-forwarded-for'
  | 'fly-client-ip'
  | 'x-nf-client-connection-ip'
  | 'x-forwarded-for'

/** Each header, and whether it is a list read from its right end. */
const HEADERS: Readonly<Record<IpHeader, { readonly list: boolean; readonly platform: string }>> = {
  'cf-connecting-ip': { list: false, platform: 'Cloudflare' },
  'x-real-ip': { list: false, platform: 'Vercel or your nginx' },
  'x-vercel-forwarded-for': { list: true, platform: 'Vercel' },
  'fly-client-ip': { list: false, platform: 'Fly.io' },
  'x-nf-client-connection-ip': { list: false, platform: 'Netlify' },
  'x-forwarded-for': { list: true, platform: 'your proxy' },
}

/** The accepted names, for messages. */
const IP_HEADERS = Object.keys(HEADERS) as readonly IpHeader[]

/** Checks `ipHeader` at construction: one of the closed list, written as listed. */
export function checkIpHeader(value: unknown, f: string): IpHeader {
  if (typeof value === 'string' && Object.hasOwn(HEADERS, value)) return value as IpHeader
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined
  const hint =
    lower !== undefined && Object.hasOwn(HEADERS, lower)
      ? ` (write it in lowercase: '${lower}')`
      : '; for another header, pass key: (request) => string or clientAddress: (request, ctx) => string and read it yourself'
  throw new ConfigError(
    `${f}: ipHeader must be one of ${IP_HEADERS.map((h) => `'${h}'`).join(', ')}, got ${JSON.stringify(value) ?? String(value)}${hint}`,
  )
}

/** How messages name the address an `ipHeader` reads. */
export function ipHeaderSource(header: IpHeader): string {
  return HEADERS[header].list ? `the last address of the ${header} header` : `the ${header} header`
}

/**
 * Reads the client address from `header` of one request. A request without the header did not
 * come through the platform: an `InputError` for the app (a deployment or a local run without it),
 * never a key shared by every such request.
 */
export function readIpHeader(request: Request, header: IpHeader, f: string): string {
  const value = request.headers.get(header)
  const { list, platform } = HEADERS[header]
  if (value === null) {
    throw new InputError(
      `${f}: the request has no ${header} header, which ipHeader: '${header}' expects ${platform} to set; it did not come through ${platform} (a local run, a health check, another route in front). Outside that platform, pass key: (request) => string or clientAddress: (request, ctx) => string`,
    )
  }
  if (!list) return value
  const comma = value.lastIndexOf(',')
  if (comma < 0) return value
  const last = value.slice(comma + 1).trim()
  // A list ending in a comma has no last address: the whole value, which is no IP, is a 400.
  return last === '' ? value : last
}
