import { ConfigError } from './errors.ts'
import { show } from './validate.ts'

/** A number of milliseconds, or a string such as `'500ms'`, `'10s'`, `'1m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${DurationUnit}`
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** What a duration option may be besides a whole number of milliseconds ≥ 1. */
export interface DurationRule {
  /** 0 is meaningful (a wait bound of 0 never waits). */
  readonly zero?: boolean
  /** `Infinity` is meaningful (no bound); it is returned as is. */
  readonly infinite?: boolean
}

/**
 * The one rule for durations, in every option that takes one: a whole number of milliseconds or a
 * string such as `'500ms'`, `'10s'`, `'1.5m'`, `'1h'`, `'1d'` that comes to whole milliseconds;
 * greater than 0 unless `rule.zero`; `Infinity` only with `rule.infinite`. Throws a `ConfigError`
 * naming `name` otherwise.
 * @example parseDuration('1m', 'window') // 60000
 */
export function parseDuration(value: unknown, name: string, rule: DurationRule = {}): number {
  let ms: number
  if (typeof value === 'number') {
    ms = value
  } else if (typeof value === 'string' && PATTERN.test(value.trim())) {
    const [, amount, unit] = PATTERN.exec(value.trim()) as RegExpExecArray
    ms = Number(amount) * UNIT_MS[unit as DurationUnit]
  } else {
    throw new ConfigError(
      `${name} must be a number of milliseconds or a string like '500ms', '10s', '1m', '1h', '1d', got ${show(value)}`,
    )
  }
  if (ms === Number.POSITIVE_INFINITY && rule.infinite === true) return ms
  if (!Number.isInteger(ms) || ms < 0 || (ms === 0 && rule.zero !== true)) {
    const least = rule.zero === true ? '0 or more' : 'greater than 0'
    const infinity = rule.infinite === true ? ' (or Infinity for no bound)' : ''
    throw new ConfigError(
      `${name} must be a whole number of milliseconds ${least}${infinity}, got ${show(value)}`,
    )
  }
  return ms
}

/** Renders milliseconds in the largest unit that divides them: 60000 → '1m'. For policy names. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
