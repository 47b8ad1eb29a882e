// The shared option checks: quoting a bad value, numbers, option objects with did-you-mean, flags, names.
import { ConfigError, type ErrorClass } from './errors.ts'
import { closest } from './suggest.ts'

const SHOWN_CHARS = 80

/**
 * Quotes a bad value for an error message, so `''`, `NaN` and objects read clearly. A long string
 * is cut (with its length said), so a hostile value cannot make a message megabytes long.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= SHOWN_CHARS
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, SHOWN_CHARS))}… (${value.length} characters)`
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value)
  return Object.prototype.toString.call(value)
}

/** A whole number ≥ 1: limits, capacities, rates counted in requests. */
export function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got ${show(value)}`)
  }
  return value
}

/** A finite number > 0: refill and leak rates may be fractional. */
export function positiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name} must be a finite number greater than 0, got ${show(value)}`)
  }
  return value
}

/**
 * Checks a public function's options: a plain object whose keys are all `known` (a key set to
 * `undefined` counts as absent). A misspelt key fails with "did you mean", a key another rate
 * limiter uses with its `foreign` hint, anything else with the list of options. Returns `value`.
 * Throws `error`: a `ConfigError` (the default) for options checked at construction, an
 * `InputError` for the options of a call.
 *
 * @example optionsObject(options, 'tokenBucket', ['capacity', 'refillRate', 'refillInterval', 'name'])
 * @example optionsObject(callOptions, 'limit', ['cost', 'maxDelayMs'], {}, InputError)
 */
export function optionsObject<T>(
  value: T,
  factory: string,
  known: readonly string[],
  foreign: Readonly<Record<string, string>> = {},
  error: ErrorClass = ConfigError,
): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new error(`${factory}() takes an options object, got ${show(value)}`)
  }
  for (const name of Object.keys(value)) {
    if (known.includes(name) || (value as Record<string, unknown>)[name] === undefined) continue
    const guess = closest(name, known)
    const hint = Object.hasOwn(foreign, name)
      ? (foreign[name] as string)
      : guess !== undefined
        ? `did you mean ${JSON.stringify(guess)}?`
        : `the options are ${known.join(', ')}`
    throw new error(`${factory}: unknown option ${JSON.stringify(name)}; ${hint}`)
  }
  return value
}

/** An optional flag: `true` or `false`, default `false`; a `ConfigError` naming `name` otherwise. */
export function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new ConfigError(`${name} must be true or false, got ${show(value)}`)
  return value
}

/** A policy name: the caller's non-empty string, or the factory's description. */
export function policyName(value: unknown, fallback: string, factory: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${factory}: name must be a non-empty string, got ${show(value)}`)
  }
  return value
}
