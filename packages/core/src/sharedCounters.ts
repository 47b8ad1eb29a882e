// Notices two open limiters that count under the same counters of one store without saying so.
import { warn } from './resilience/runtime.ts'
import type { Store } from './store.ts'

/** One set of counters a limiter counts under, besides its prefix: a limit, or a rules domain. */
export interface CounterSpace {
  /** Distinct per space: `limit:<id>`, `domain:<domain>`. */
  readonly id: string
  /** For the warning: `limit fixedWindow:5/1m`, `rules domain "api"`. */
  readonly label: string
}

interface StoreRegistry {
  /** Per prefix and space: the open limiters counting there, held weakly. */
  readonly owners: Map<string, WeakRef<object>[]>
  /** Prefix and space pairs already warned about: once each is enough. */
  readonly warned: Set<string>
}

// Keyed by the store and holding limiters only through WeakRefs, so it never keeps either alive.
const registries = new WeakMap<Store, StoreRegistry>()

/**
 * Records that a limiter counts under `spaces` of `store` with `prefix`, and warns (once per store,
 * prefix and space, with `console.warn`) when another open limiter already does: two limiters with
 * the same prefix and the same limit id share one counter per key, so each counts the other's
 * requests against its own quota. Call the returned function on `close()`; until then the caller
 * must keep it (it holds the registration alive: a limiter that is garbage-collected unregisters
 * by itself).
 *
 * @example
 * const release = claimCounters(store, 'api', [{ id: `limit:${a.id}`, label: `limit ${a.name}` }])
 * // …on close():
 * release()
 */
export function claimCounters(store: Store, prefix: string, spaces: readonly CounterSpace[]): () => void {
  if (typeof WeakRef !== 'function') return () => undefined
  let registry = registries.get(store)
  if (registry === undefined) {
    registry = { owners: new Map(), warned: new Set() }
    registries.set(store, registry)
  }
  const { owners, warned } = registry
  const owner = {}
  const names: string[] = []
  for (const space of spaces) {
    const name = `${prefix.length}:${prefix}${space.id}`
    names.push(name)
    const open = live(owners.get(name))
    if (open.length > 0 && !warned.has(name)) {
      warned.add(name)
      warn(sharedMessage(store, prefix, space))
    }
    open.push(new WeakRef(owner))
    owners.set(name, open)
  }
  return () => {
    for (const name of names) {
      const rest = live(owners.get(name)).filter((ref) => ref.deref() !== owner)
      if (rest.length === 0) owners.delete(name)
      else owners.set(name, rest)
    }
  }
}

/** The registrations whose limiter still exists. */
function live(refs: readonly WeakRef<object>[] | undefined): WeakRef<object>[] {
  return refs === undefined ? [] : refs.filter((ref) => ref.deref() !== undefined)
}

function sharedMessage(store: Store, prefix: string, space: CounterSpace): string {
  return `sluice: two limiters on one ${store.name} store count under the same counters (prefix ${JSON.stringify(prefix)}, ${space.label}), so each counts the other's requests against its quota. If that is an accident, give each limiter its own prefix: createRateLimiter({ …, prefix: 'login' }). If they mean to share, say so with createRateLimiter({ …, shareCounters: true }).`
}
