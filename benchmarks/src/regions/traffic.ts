/** The regions simulation's traffic: seeded Poisson arrivals per region, in three mixes. */
import { seededRandom } from '../harness.ts'

/** One-way latency from each region to the central store (which sits in region 0), in ms. */
export const REGION_LATENCY_MS = [1, 40, 80, 150] as const
export const REGIONS = REGION_LATENCY_MS.length

export type Mix = 'uniform' | 'hot region' | 'failover'
export const MIXES: readonly Mix[] = ['uniform', 'hot region', 'failover']

export interface Arrival {
  readonly at: number
  readonly region: number
}

/** Each region's share of the traffic; the hot region is the farthest, where a round trip hurts most. */
function shares(mix: Mix): readonly number[] {
  return mix === 'hot region' ? [0.1, 0.1, 0.1, 0.7] : [0.25, 0.25, 0.25, 0.25]
}

/**
 * Arrivals over `durationMs` at `ratePerMs` in total, in time order. In `failover`, region 1 goes
 * down halfway and its clients are served by region 0 from then on.
 */
export function arrivals(mix: Mix, ratePerMs: number, durationMs: number, seed: number): Arrival[] {
  const random = seededRandom(seed)
  const all: Arrival[] = []
  shares(mix).forEach((share, region) => {
    const rate = ratePerMs * share
    let t = -Math.log(1 - random()) / rate
    while (t < durationMs) {
      const moved = mix === 'failover' && region === 1 && t >= durationMs / 2
      all.push({ at: Math.floor(t), region: moved ? 0 : region })
      t += -Math.log(1 - random()) / rate
    }
  })
  return all.sort((a, b) => a.at - b.at || a.region - b.region)
}
