/**
 * The four ways to limit across regions, as the simulation runs them on a virtual clock: one
 * central store, independent per-region stores, local-first (`@sluice/hybrid`) over the central
 * store, and a replicated store (a local replica per region, writes applied to the others after
 * the link's latency, as an active-active CRDT counter or a global replica set would).
 */
import { type Algorithm, fixedWindow } from '@sluice/core'
import type { Store } from '@sluice/core/store'
import { hybridStore } from '@sluice/hybrid'
import { memoryStore } from '@sluice/memory'
import { REGION_LATENCY_MS, REGIONS } from './traffic.ts'
import type { VirtualTime } from './virtualTime.ts'

/** One way to a store in the same region, in ms. */
const LOCAL_ONE_WAY_MS = 0.5
const KEY = 'global'

interface World {
  readonly vt: VirtualTime
  /** The global limit per window. */
  readonly limit: number
  readonly windowMs: number
}

interface Verdict {
  readonly allowed: boolean
  /** When the deciding store decided (virtual ms): the time its window is judged at. */
  readonly at: number
}

interface Strategy {
  decide(region: number): Promise<Verdict>
  /** Store operations so far, anywhere: local, central and replicated writes. */
  storeOps(): number
}

export interface StrategyKind {
  readonly name: string
  make(world: World): Strategy
}

const latency = (region: number): number => REGION_LATENCY_MS[region] as number

async function take(store: Store, limit: Algorithm, now: number): Promise<boolean> {
  const [d] = await store.apply({ key: KEY, limits: [limit], cost: 1, consume: true, now })
  return d?.allowed === true
}

export const central: StrategyKind = {
  name: 'central store',
  make({ vt, limit, windowMs }) {
    const store = memoryStore()
    const algorithm = fixedWindow({ limit, window: windowMs })
    let ops = 0
    return {
      async decide(region) {
        await vt.sleep(latency(region))
        const at = vt.now
        ops += 1
        const allowed = await take(store, algorithm, at)
        await vt.sleep(latency(region))
        return { allowed, at }
      },
      storeOps: () => ops,
    }
  },
}

export const independent: StrategyKind = {
  name: 'independent per region',
  make({ vt, limit, windowMs }) {
    const stores = Array.from({ length: REGIONS }, () => memoryStore())
    const algorithm = fixedWindow({ limit: Math.floor(limit / REGIONS), window: windowMs })
    let ops = 0
    return {
      async decide(region) {
        await vt.sleep(LOCAL_ONE_WAY_MS)
        const at = vt.now
        ops += 1
        const allowed = await take(stores[region] as Store, algorithm, at)
        await vt.sleep(LOCAL_ONE_WAY_MS)
        return { allowed, at }
      },
      storeOps: () => ops,
    }
  },
}

/** `@sluice/hybrid` in every region over the central store, reached over the region's link. */
export function localFirst(syncIntervalMs: number): StrategyKind {
  return {
    name: `local-first, sync ${syncIntervalMs} ms`,
    make({ vt, limit, windowMs }) {
      const shared = memoryStore()
      const algorithm = fixedWindow({ limit, window: windowMs })
      let ops = 0
      const linked = (region: number): Store => ({
        name: `central via region ${region}`,
        capabilities: shared.capabilities,
        async apply(request) {
          await vt.sleep(latency(region))
          ops += 1
          // The central store judges on its own clock, as a Redis store's server clock would.
          const decisions = await shared.apply({ ...request, now: vt.now })
          await vt.sleep(latency(region))
          return decisions
        },
        reset: (key, limits) => shared.reset(key, limits),
      })
      const stores = Array.from({ length: REGIONS }, (_, region) =>
        hybridStore({
          store: linked(region),
          instances: REGIONS,
          syncIntervalMs,
          clock: () => vt.now,
          timer: false,
        }),
      )
      return {
        async decide(region) {
          const at = vt.now
          return { allowed: await take(stores[region] as Store, algorithm, at), at }
        },
        storeOps: () => ops,
      }
    },
  }
}

export const replicated: StrategyKind = {
  name: 'replicated (CRDT model)',
  make({ vt, limit, windowMs }) {
    // Each region's replica: admitted count per window, its own writes at once, others' after the link.
    const replicas = Array.from({ length: REGIONS }, () => new Map<number, number>())
    let ops = 0
    const add = (replica: Map<number, number>, window: number): void => {
      replica.set(window, (replica.get(window) ?? 0) + 1)
      ops += 1
    }
    return {
      async decide(region) {
        await vt.sleep(LOCAL_ONE_WAY_MS)
        const at = vt.now
        const window = Math.floor(at / windowMs)
        const replica = replicas[region] as Map<number, number>
        const allowed = (replica.get(window) ?? 0) < limit
        ops += allowed ? 0 : 1 // a refusal is one local read; an admission is counted by add()
        if (allowed) {
          add(replica, window)
          for (let other = 0; other < REGIONS; other++) {
            if (other === region) continue
            vt.at(at + latency(region) + latency(other), () =>
              add(replicas[other] as Map<number, number>, window),
            )
          }
        }
        await vt.sleep(LOCAL_ONE_WAY_MS)
        return { allowed, at }
      },
      storeOps: () => ops,
    }
  },
}

export const STRATEGIES: readonly StrategyKind[] = [
  central,
  independent,
  localFirst(100),
  localFirst(500),
  replicated,
]
