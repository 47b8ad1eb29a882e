import { ConfigError } from './errors.ts'

/** Largest integer every step keeps its arithmetic under, with room for a sum or two. */
const SAFE = 2 ** 50

/** Greatest common divisor of two positive integers. */
function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

const MAX_DEN = 1_000_000

/**
 * A positive rate as a reduced fraction of integers, so that steps can use exact integer
 * arithmetic instead of accumulating floating-point error. The fraction is the closest one with a
 * denominator up to 10⁶ (continued fractions), so 1/3 is exactly 1/3 and 0.25 is 1/4.
 */
export function toRatio(value: number, name: string): readonly [number, number] {
  if (Number.isInteger(value)) return [value, 1]
  let [num, den, prevNum, prevDen] = [1, 0, 0, 1]
  let rest = value
  for (let i = 0; i < 64; i++) {
    const whole = Math.floor(rest)
    const nextDen = whole * den + prevDen
    if (nextDen > MAX_DEN) break
    ;[num, den, prevNum, prevDen] = [whole * num + prevNum, nextDen, num, den]
    if (Math.abs(num / den - value) <= value * 1e-12 || rest === whole) break
    rest = 1 / (rest - whole)
  }
  if (num === 0) throw new ConfigError(`${name} must be at least 0.000001, got ${value}`)
  return [num, den]
}

/** Reduces num/den by their common divisor. */
export function reduce(num: number, den: number): readonly [number, number] {
  const d = gcd(num, den)
  return [num / d, den / d]
}

/** Fails when a configuration would push a step's integers past exact double precision. */
export function checkSafe(value: number, factory: string): void {
  if (!(value <= SAFE)) {
    throw new ConfigError(
      `${factory}: this configuration is too large to compute exactly; use smaller numbers`,
    )
  }
}
