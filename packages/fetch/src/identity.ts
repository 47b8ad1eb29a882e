// Who the client is: key, ipHeader or clientAddress, said explicitly; no header is trusted by default.
import { ConfigError } from '@sluice/core'
import type { BindingSpec } from '@sluice/core/http'
import { checkIpHeader, ipHeaderSource, readIpHeader } from './ipHeader.ts'

/** One request as core's check sees it: the `Request` and the runtime's second handler argument. */
export class Call<Ctx> {
  readonly request: Request
  readonly ctx: Ctx
  constructor(request: Request, ctx: Ctx) {
    this.request = request
    this.ctx = ctx
  }
}

const WAYS =
  "key: (request) => string (an authenticated user id, an API key), ipHeader: 'cf-connecting-ip' | 'x-real-ip' | 'x-vercel-forwarded-for' | 'fly-client-ip' | 'x-nf-client-connection-ip' | 'x-forwarded-for' (the header your platform sets), or clientAddress: (request, ctx) => string (the runtime's peer address: on Bun (request, server) => server.requestIP(request)?.address, on Deno (request, info) => info.remoteAddr.hostname)"

/**
 * Checks how the options name the client, once, and returns what core needs to know: at least one
 * of `key`, `ipHeader` and `clientAddress` (or `descriptors` with a rules limiter), else a
 * `ConfigError` that lists the three ways; at most one of `ipHeader` and `clientAddress`. With a
 * `key`, an address source is optional and feeds the allow/deny lists. Options core rejects anyway (not an object, no limiter)
 * are left to core, so its message comes first.
 */
export function identitySpec<Ctx>(options: unknown, f: string): BindingSpec<Call<Ctx>> {
  const spec: BindingSpec<Call<Ctx>> = {
    factory: f,
    binding: 'fetch',
    extraOptions: ['ipHeader', 'clientAddress'],
  }
  if (typeof options !== 'object' || options === null) return spec
  const o = options as Record<string, unknown>
  if (o.limiter === undefined) return spec
  const given = ['key', 'ipHeader', 'clientAddress', 'descriptors'].filter((name) => o[name] !== undefined)
  if (given.length === 0) {
    throw new ConfigError(
      `${f}: say who the client is, one of three ways: ${WAYS}. No header is read by default, since a client can write any header its platform does not overwrite`,
    )
  }
  // key (or descriptors) says what is counted; ipHeader or clientAddress where the address is, which
  // the allow/deny lists match even when a key counts: one of each kind at most.
  const addresses = given.filter((name) => name === 'ipHeader' || name === 'clientAddress')
  if (addresses.length > 1) {
    throw new ConfigError(
      `${f}: ipHeader and clientAddress each say where the client's address is; give one of them`,
    )
  }
  if (o.ipHeader !== undefined) {
    const header = checkIpHeader(o.ipHeader, f)
    return {
      ...spec,
      clientAddress: (call) => readIpHeader(call.request, header, f),
      clientAddressSource: ipHeaderSource(header),
    }
  }
  if (o.clientAddress !== undefined) {
    const read = o.clientAddress
    if (typeof read !== 'function') {
      throw new ConfigError(
        `${f}: clientAddress must be a function (request, ctx) => string, such as (request, server) => server.requestIP(request)?.address on Bun; got ${typeof read}`,
      )
    }
    return {
      ...spec,
      clientAddress: (call) => read(call.request, call.ctx),
      clientAddressSource: 'clientAddress(request, ctx)',
    }
  }
  return spec
}
