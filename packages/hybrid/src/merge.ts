// Merging a counter's pending units into the shared store, with the Store calls every store has.
import type { Algorithm, LimitDecision } from '@sluice/core'
import type { Store } from '@sluice/core/store'

/** What a merge did: the shared store's last answer, and the units it had no room for. */
export interface Merged {
  readonly decision: LimitDecision
  /** Units the shared counter had no room for; the caller keeps them pending (a debt). */
  readonly left: number
}

// A merge refused for want of room retries once with what the store said is left (another
// instance may take that room in between): each try is a round trip that a renewing caller waits
// for, so the rest stays pending for the next sync rather than costing more trips now.
const MAX_TRIES = 2

/**
 * Adds `units` to one shared counter. The Store contract has no unconditional "add n": `apply`
 * takes `cost` units only when they fit (as every store, Redis or not, already does atomically),
 * so a merge takes what fits and reports the rest (`left`) instead of writing a counter past its
 * limit. A merge of 0 units is a peek: it only learns what is left.
 *
 * @example const { decision, left } = await merge(shared, 'api:user:1', limit, 12, Date.now(), count)
 */
export async function merge(
  store: Store,
  key: string,
  limit: Algorithm,
  units: number,
  now: number,
  count: () => void,
): Promise<Merged> {
  if (units === 0) {
    count()
    const [d] = await store.apply({ key, limits: [limit], cost: 0, consume: false, now })
    return { decision: d as LimitDecision, left: 0 }
  }
  let left = units
  let room = Number.POSITIVE_INFINITY
  let tries = 0
  let last: LimitDecision | undefined
  while (left > 0) {
    const cost = Math.min(left, limit.maxCost, room)
    count()
    const [d] = await store.apply({ key, limits: [limit], cost, consume: true, now })
    last = d as LimitDecision
    if (last.allowed) {
      left -= cost
      // Taken what the store said was left: it is full now, the rest waits for the next sync.
      if (room !== Number.POSITIVE_INFINITY) break
      continue
    }
    tries += 1
    if (last.remaining <= 0 || tries >= MAX_TRIES) break
    room = last.remaining
  }
  return { decision: last as LimitDecision, left }
}
