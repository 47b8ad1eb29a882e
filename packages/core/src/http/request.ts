// One request's skip, key, cost and descriptors, from the binding's options; every failure an InputError.

import type { InputError } from '../errors.ts'
import type { DescriptorRequest } from '../rules/types.ts'
import { show } from '../validate.ts'
import { DEFAULT_IPV6_SUBNET, groupAddress } from './clientAddress.ts'
import { appInputError, requestInputError } from './invalid.ts'
import type { BindingSpec, MaybePromise, ResolvedBindingOptions } from './options.ts'

// Failures are InputErrors of two kinds (see invalid.ts): a value the request produced that cannot be
// used (the client's: bindings answer 400), and a function of the app's that threw, or a server that
// gives no client address (the app's: thrown on to the framework's error handling).

/**
 * Resolves `skip(req)`: a throwing skip function becomes an `InputError` naming it. A synchronous
 * skip function is answered synchronously, so a request it lets on costs no promise.
 */
export function resolveSkip<Req>(
  skip: (req: Req) => MaybePromise<boolean>,
  req: Req,
  factory: string,
): MaybePromise<boolean> {
  let value: MaybePromise<boolean>
  try {
    value = skip(req)
  } catch (cause) {
    throw skipThrew(cause, factory)
  }
  if (!isPromiseLike(value)) return Boolean(value)
  return Promise.resolve(value).then(Boolean, (cause) => {
    throw skipThrew(cause, factory)
  })
}

function skipThrew(cause: unknown, factory: string): InputError {
  return appInputError(
    `${factory}: the skip function threw (${describe(cause)}); make skip(req) return true or false for every request`,
    { cause },
  )
}

/** Whether a function's result must be awaited: then only do its checks wait for it. */
function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/**
 * The key of one request: the `key` function's result, or the client address grouped by
 * `clientAddressKey` (IPv6 by `ipv6Subnet`, default 64). Every way of getting no usable key is an
 * `InputError` naming the fix; a request is never put in a shared key by default.
 */
export function resolveKey<Req>(
  options: Pick<ResolvedBindingOptions<Req>, 'key'> &
    Partial<Pick<ResolvedBindingOptions<Req>, 'ipv6Subnet'>>,
  spec: BindingSpec<Req>,
  req: Req,
): MaybePromise<string> {
  if (options.key === undefined) return addressKey(spec, req, options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET)
  return keyFromFunction(options.key, spec.factory, req)
}

function keyFromFunction<Req>(
  fn: (req: Req) => MaybePromise<string>,
  f: string,
  req: Req,
): MaybePromise<string> {
  let key: unknown
  try {
    key = fn(req)
  } catch (cause) {
    throw keyThrew(cause, f)
  }
  if (!isPromiseLike(key)) return checkedKey(key, f)
  return Promise.resolve(key).then(
    (value) => checkedKey(value, f),
    (cause) => {
      throw keyThrew(cause, f)
    },
  )
}

function keyThrew(cause: unknown, f: string): InputError {
  return appInputError(
    `${f}: the key function threw (${describe(cause)}); make key(req) return a non-empty string for every request, or use skip(req) for requests that should not be limited`,
    { cause },
  )
}

function checkedKey(key: unknown, f: string): string {
  if (key === '') {
    throw requestInputError(
      'key',
      `${f}: the key function returned "", which would put all such requests in one shared budget; return a non-empty string that identifies the client, or use skip(req) for requests that should not be limited`,
    )
  }
  if (typeof key !== 'string') {
    throw requestInputError(
      'key',
      `${f}: the key function must return a non-empty string, got ${show(key)}; convert ids with String(id)`,
    )
  }
  return key
}

function addressKey<Req>(spec: BindingSpec<Req>, req: Req, ipv6Subnet: number): string {
  const f = spec.factory
  const source = spec.clientAddressSource ?? 'the client address'
  const address = readAddress(spec, req)
  if (address === undefined || address === null || address === '') {
    // The connection is gone (nobody to answer) or the server is not on TCP (every request fails).
    throw appInputError(
      `${f}: the request has no client address (${source} is ${show(address)}: the connection is already closed, or the server is not on TCP); pass key: (req) => string to identify clients another way`,
    )
  }
  try {
    return groupAddress(address, ipv6Subnet)
  } catch (cause) {
    // Under a trusted proxy the forwarded header is the client's to write.
    throw requestInputError(
      'address',
      `${f}: ${source} is ${show(address)}, which is not an IP address; check your trusted-proxy setting (the proxy's forwarded header may be malformed), or pass key: (req) => string`,
      { cause },
    )
  }
}

/**
 * The binding's own address lookup. Where it cannot find one (Hono outside @hono/node-server) it
 * throws: that is the deployment's, never the client's, so it stays an app error with its message.
 */
function readAddress<Req>(spec: BindingSpec<Req>, req: Req): string | undefined {
  try {
    return spec.clientAddress?.(req)
  } catch (cause) {
    throw appInputError(cause instanceof Error ? cause.message : `${spec.factory}: ${describe(cause)}`, {
      cause,
    })
  }
}

/** The cost of one request: a fixed number, or the `cost` function's result, checked. */
export function resolveCost<Req>(
  cost: ResolvedBindingOptions<Req>['cost'],
  req: Req,
  factory: string,
): MaybePromise<number> {
  return typeof cost === 'number' ? cost : costFromFunction(cost, req, factory)
}

function costFromFunction<Req>(
  cost: (req: Req) => MaybePromise<number>,
  req: Req,
  factory: string,
): MaybePromise<number> {
  let value: unknown
  try {
    value = cost(req)
  } catch (cause) {
    throw costThrew(cause, factory)
  }
  if (!isPromiseLike(value)) return checkedCost(value, factory)
  return Promise.resolve(value).then(
    (units) => checkedCost(units, factory),
    (cause) => {
      throw costThrew(cause, factory)
    },
  )
}

function costThrew(cause: unknown, factory: string): InputError {
  return appInputError(
    `${factory}: the cost function threw (${describe(cause)}); make cost(req) return a non-negative integer for every request`,
    { cause },
  )
}

function checkedCost(value: unknown, factory: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw requestInputError(
      'cost',
      `${factory}: the cost function must return a non-negative integer, got ${show(value)}; round it (Math.ceil) and give a fallback for missing input (e.g. Number(header) || 1)`,
    )
  }
  return value
}

/**
 * The descriptors of one request, from the `descriptors` function. A throw, or anything but a
 * non-empty list, is an `InputError`: a request is never let through unlimited for want of them.
 * The entries themselves are checked by the rules limiter.
 */
export async function resolveDescriptors<Req>(
  fn: (req: Req) => MaybePromise<DescriptorRequest['descriptors']>,
  req: Req,
  factory: string,
): Promise<DescriptorRequest['descriptors']> {
  let value: unknown
  try {
    value = await fn(req)
  } catch (cause) {
    throw appInputError(
      `${factory}: the descriptors function threw (${describe(cause)}); make descriptors(req) return a non-empty list for every request, or use skip(req) for requests that should not be limited`,
      { cause },
    )
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw requestInputError(
      'descriptors',
      `${factory}: the descriptors function must return a non-empty list such as [[{ key: 'route', value: path }]], got ${Array.isArray(value) ? 'an empty list' : show(value)}; use skip(req) for requests that should not be limited`,
    )
  }
  return value as DescriptorRequest['descriptors']
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error)
}
