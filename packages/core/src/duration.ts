import { ConfigError, type ErrorClass } from './errors.ts'
import { show } from './validate.ts'

/** A number of milliseconds, or a string such as `'500ms'`, `'10s'`, `'1m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${DurationUnit}`
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * The longest a JavaScript timer can wait (2^31 − 1 ms, about 24.8 days): a longer `setTimeout`
 * fires at once, so a deadline or a wait held by a timer is bounded by it.
 */
export const MAX_TIMER_MS = 2_147_483_647

/** What a duration option may be besides a whole number of milliseconds ≥ 1. */
export interface DurationRule {
  /** 0 is meaningful (a wait bound of 0 never waits). */
  readonly zero?: boolean
  /** `Infinity` is meaningful (no bound); it is returned as is. */
  readonly infinite?: boolean
  /** The most it may be; `MAX_TIMER_MS` for a duration a timer waits. Default: no bound. */
  readonly max?: number
  /** What to throw: `ConfigError` (the default) for an option, `InputError` for a call's argument. */
  readonly error?: ErrorClass
}

/**
 * The one rule for durations, in every option that takes one: a whole number of milliseconds or a
 * string such as `'500ms'`, `'10s'`, `'1.5m'`, `'1h'`, `'1d'` that comes to whole milliseconds;
 * greater than 0 unless `rule.zero`; at most `rule.max` when given; `Infinity` only with
 * `rule.infinite`. Throws `rule.error` (a `ConfigError` by default) naming `name` otherwise.
 * @example parseDuration('1m', 'window') // 60000
 * @example parseDuration(options.timeoutMs, 'createRateLimiter: timeoutMs', { max: MAX_TIMER_MS })
 */
export function parseDuration(value: unknown, name: string, rule: DurationRule = {}): number {
  const error = rule.error ?? ConfigError
  let ms: number
  if (typeof value === 'number') {
    ms = value
  } else if (typeof value === 'string' && value.length <= MAX_DURATION_TEXT && PATTERN.test(value.trim())) {
    const [, amount, unit] = PATTERN.exec(value.trim()) as RegExpExecArray
    ms = Number(amount) * UNIT_MS[unit as DurationUnit]
  } else {
    throw new error(
      `${name} must be a number of milliseconds or a string like '500ms', '10s', '1m', '1h', '1d', got ${show(value)}`,
    )
  }
  if (ms === Number.POSITIVE_INFINITY && rule.infinite === true) return ms
  const max = rule.max ?? Number.POSITIVE_INFINITY
  if (!Number.isInteger(ms) || ms < 0 || (ms === 0 && rule.zero !== true) || ms > max) {
    const least = rule.zero === true ? '0 or more' : 'greater than 0'
    const most = rule.max === undefined ? '' : ` and at most ${rule.max}`
    const infinity = rule.infinite === true ? ' (or Infinity for no bound)' : ''
    throw new error(
      `${name} must be a whole number of milliseconds ${least}${most}${infinity}, got ${show(value)}`,
    )
  }
  return ms
}

// A duration string is short; a longer one is refused before the pattern runs on it.
const MAX_DURATION_TEXT = 64

/** Renders milliseconds in the largest unit that divides them: 60000 → '1m'. For policy names. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
