import type { TrafficPattern } from '../trafficPatterns.ts'

/**
 * When each pattern starts, in ms from the run's start, one after another: every start is a
 * multiple of `windowMs`, so each pattern's 0 ms (and 1000 ms) falls on a window boundary as in
 * the simulation, and a pattern's first request goes out at least `gapMs` after the previous
 * pattern's last one. Only sending is sequential: a shaped request may still be waiting for its
 * response while the next pattern begins, on its own key.
 */
export function patternStarts(patterns: readonly TrafficPattern[], windowMs: number, gapMs = 50): number[] {
  const starts: number[] = []
  let free = 0
  for (const { arrivalsMs } of patterns) {
    const first = arrivalsMs[0] ?? 0
    const start = Math.max(0, Math.ceil((free - first) / windowMs) * windowMs)
    starts.push(start)
    free = start + (arrivalsMs.at(-1) ?? 0) + gapMs
  }
  return starts
}
