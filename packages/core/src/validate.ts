import { ConfigError } from './errors.ts'

/** Quotes a bad value for an error message, so `''`, `NaN` and objects read clearly. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
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

/** Fails on options that are not a plain object, naming the factory that was called wrongly. */
export function optionsObject<T>(value: T, factory: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${factory}() takes an options object, got ${show(value)}`)
  }
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
