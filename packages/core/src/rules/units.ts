/**
 * The rules' time units, in milliseconds. The Envoy service's four, plus week, and month and year
 * as fixed lengths (30 and 365 days), so every window has one length.
 */
export const RULE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
})

/** The unit's length, case-insensitive as in the Envoy service (`SECOND` works), or undefined. */
export function unitMs(unit: string): number | undefined {
  const u = unit.toLowerCase()
  return Object.hasOwn(RULE_UNITS, u) ? RULE_UNITS[u] : undefined
}
