// Which primary serves each Cluster slot, as CLUSTER SLOTS says: GLIDE routes by key but does not
// show its own table, so the store keeps one, lazily refreshed, to batch decisions per primary.
import type { GlideClusterClient } from '@valkey/valkey-glide'

const SLOTS = 16384

/**
 * How old the table may get before a call refreshes it (in the background). A slot that moved
 * since costs no correctness: the engine refuses a key its node does not serve before writing, and
 * the decision goes again alone, routed by GLIDE.
 */
const REFRESH_MS = 5000

/** A Cluster's slot table as the batcher asks it. */
export interface SlotTable {
  /** The primary ("host:port") that serves `slot`, or undefined while unknown. */
  nodeOf(slot: number): string | undefined
  /** The first load, while it runs (calls wait for it once); then undefined. */
  ready(): Promise<void> | undefined
  /** Marks the table stale: the next call reloads it (after a failed call). */
  stale(): void
}

/** A lazily loaded slot table of `client`'s cluster, read with `CLUSTER SLOTS` on any node. */
export function slotTable(client: GlideClusterClient, now: () => number = Date.now): SlotTable {
  const nodes: string[] = []
  /** Index into `nodes` per slot, -1 where unknown. */
  const owner = new Int32Array(SLOTS).fill(-1)
  let loadedAt = Number.NEGATIVE_INFINITY
  let loading: Promise<void> | undefined
  let first: Promise<void> | undefined

  function load(): Promise<void> {
    loading ??= client
      .customCommand(['CLUSTER', 'SLOTS'], { route: 'randomNode' })
      .then(
        (reply) => {
          fill(reply)
          loadedAt = now()
        },
        // No table yet (or an old one): decisions go alone, routed by GLIDE, until a load succeeds.
        () => {
          loadedAt = now() - REFRESH_MS / 2
        },
      )
      .finally(() => {
        loading = undefined
      })
    return loading
  }

  function fill(reply: unknown): void {
    if (!Array.isArray(reply)) return
    owner.fill(-1)
    nodes.length = 0
    for (const range of reply) {
      if (!Array.isArray(range) || range.length < 3) continue
      const [from, to, primary] = range as [unknown, unknown, unknown]
      if (!Array.isArray(primary)) continue
      const node = `${String(primary[0])}:${String(primary[1])}`
      let index = nodes.indexOf(node)
      if (index < 0) index = nodes.push(node) - 1
      owner.fill(index, Number(from), Number(to) + 1)
    }
  }

  return {
    nodeOf(slot) {
      if (loading === undefined && now() - loadedAt > REFRESH_MS) void load()
      const index = owner[slot] ?? -1
      return index < 0 ? undefined : nodes[index]
    },
    ready() {
      if (first === undefined) first = load()
      else if (loading === undefined) return undefined
      return loading === first ? first : undefined
    },
    stale() {
      loadedAt = Number.NEGATIVE_INFINITY
    },
  }
}
