import { InputError } from '../errors.ts'
import type { Descriptor } from '../rules/types.ts'
import { show } from '../validate.ts'
import { clientAddressKey } from './clientAddress.ts'
import type { BindingSpec, MaybePromise, ResolvedBindingOptions } from './options.ts'

/** Resolves `skip(req)`: a throwing skip function becomes an `InputError` naming it. */
export async function resolveSkip<Req>(
  skip: (req: Req) => MaybePromise<boolean>,
  req: Req,
  factory: string,
): Promise<boolean> {
  try {
    return Boolean(await skip(req))
  } catch (cause) {
    throw new InputError(
      `${factory}: the skip function threw (${describe(cause)}); make skip(req) return true or false for every request`,
      { cause },
    )
  }
}

/**
 * The key of one request: the `key` function's result, or the client address grouped by
 * `clientAddressKey`. Every way of getting no usable key is an `InputError` naming the fix; a
 * request is never put in a shared key by default.
 */
export function resolveKey<Req>(
  options: Pick<ResolvedBindingOptions<Req>, 'key'>,
  spec: BindingSpec<Req>,
  req: Req,
): MaybePromise<string> {
  if (options.key === undefined) return addressKey(spec, req)
  return keyFromFunction(options.key, spec.factory, req)
}

async function keyFromFunction<Req>(
  fn: (req: Req) => MaybePromise<string>,
  f: string,
  req: Req,
): Promise<string> {
  let key: unknown
  try {
    key = await fn(req)
  } catch (cause) {
    throw new InputError(
      `${f}: the key function threw (${describe(cause)}); make key(req) return a non-empty string for every request, or use skip(req) for requests that should not be limited`,
      { cause },
    )
  }
  if (key === '') {
    throw new InputError(
      `${f}: the key function returned "", which would put all such requests in one shared budget; return a non-empty string that identifies the client, or use skip(req) for requests that should not be limited`,
    )
  }
  if (typeof key !== 'string') {
    throw new InputError(
      `${f}: the key function must return a non-empty string, got ${show(key)}; convert ids with String(id)`,
    )
  }
  return key
}

function addressKey<Req>(spec: BindingSpec<Req>, req: Req): string {
  const f = spec.factory
  const source = spec.clientAddressSource ?? 'the client address'
  const address = spec.clientAddress?.(req)
  if (address === undefined || address === null || address === '') {
    throw new InputError(
      `${f}: the request has no client address (${source} is ${show(address)}: the connection is already closed, or the server is not on TCP); pass key: (req) => string to identify clients another way`,
    )
  }
  try {
    return clientAddressKey(address)
  } catch (cause) {
    throw new InputError(
      `${f}: ${source} is ${show(address)}, which is not an IP address; check your trusted-proxy setting (the proxy's forwarded header may be malformed), or pass key: (req) => string`,
      { cause },
    )
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

async function costFromFunction<Req>(
  cost: (req: Req) => MaybePromise<number>,
  req: Req,
  factory: string,
): Promise<number> {
  let value: unknown
  try {
    value = await cost(req)
  } catch (cause) {
    throw new InputError(
      `${factory}: the cost function threw (${describe(cause)}); make cost(req) return a non-negative integer for every request`,
      { cause },
    )
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InputError(
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
  fn: (req: Req) => MaybePromise<readonly Descriptor[]>,
  req: Req,
  factory: string,
): Promise<readonly Descriptor[]> {
  let value: unknown
  try {
    value = await fn(req)
  } catch (cause) {
    throw new InputError(
      `${factory}: the descriptors function threw (${describe(cause)}); make descriptors(req) return a non-empty list for every request, or use skip(req) for requests that should not be limited`,
      { cause },
    )
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError(
      `${factory}: the descriptors function must return a non-empty list such as [[{ key: 'route', value: path }]], got ${Array.isArray(value) ? 'an empty list' : show(value)}; use skip(req) for requests that should not be limited`,
    )
  }
  return value as readonly Descriptor[]
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error)
}
