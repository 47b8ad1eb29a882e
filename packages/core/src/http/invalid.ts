// Which InputErrors of one request are its client's (answered 400) and which are the app's (thrown on).
import { InputError } from '../errors.ts'

/**
 * What was unusable in a request answered 400: the value its `key`, `cost` or `descriptors`
 * function returned, its client address, or (`'request'`) a value the limiter refused: a key over
 * the maximum length, a cost over every limit, a malformed or over-long descriptor.
 */
export type InvalidPart = 'key' | 'address' | 'cost' | 'descriptors' | 'request'

// Tags set where the error is made; the error itself stays a plain InputError for every caller.
const tags = new WeakMap<InputError, Exclude<InvalidPart, 'request'> | 'app'>()

/**
 * An `InputError` about a value this request produced (a missing field, a header that is not a
 * number, an address that is not one): the client's fault, so bindings answer it with a 400.
 */
export function requestInputError(
  part: Exclude<InvalidPart, 'request'>,
  message: string,
  options?: ErrorOptions,
): InputError {
  const error = new InputError(message, options)
  tags.set(error, part)
  return error
}

/**
 * An `InputError` about the app's own code or deployment: its `key`, `cost`, `skip` or
 * `descriptors` function threw (a bug, or an outage in a lookup it makes), or the server gives no
 * client address. sluice cannot tell those from bad input, and blaming the client for a server
 * fault would hide it, so bindings throw it on to the framework's error handling like any other
 * exception in the app's code.
 */
export function appInputError(message: string, options?: ErrorOptions): InputError {
  const error = new InputError(message, options)
  tags.set(error, 'app')
  return error
}

/**
 * What a failed request's error says was wrong with it, or `undefined` when the error is not the
 * client's (a fault, a `ConfigError`, an app error): then it is thrown on. An untagged
 * `InputError` comes from the limiter, which judges only the request's values.
 */
export function invalidPart(error: unknown): InvalidPart | undefined {
  if (!(error instanceof InputError)) return undefined
  const tag = tags.get(error)
  if (tag === 'app') return undefined
  return tag ?? 'request'
}
