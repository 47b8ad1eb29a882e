/** Levenshtein distance, small inputs only (option names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] as number
}

/**
 * The known name closest to `given`, when close enough to be a typo (`request_per_unit` →
 * `requests_per_unit`, `shadowMode` → `shadow_mode`); undefined otherwise.
 */
export function closest(given: string, known: readonly string[]): string | undefined {
  const g = given.toLowerCase().replace(/[-_\s]/g, '')
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = distance(g, k.toLowerCase().replace(/[-_\s]/g, ''))
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  const allowed = Math.max(2, Math.floor(given.length / 3))
  return bestDistance <= allowed ? best : undefined
}

/** `; did you mean "x"?` or `; known keys: a, b, c`. */
export function didYouMean(given: string, known: readonly string[]): string {
  const match = closest(given, known)
  return match === undefined
    ? `; the keys allowed here are ${known.join(', ')}`
    : `; did you mean ${JSON.stringify(match)}?`
}
