// What a binding's test file tells the suite besides its adapter: the store, and which areas to run.
import { type Store, StoreError } from '@sluice/core'

/** The areas of the suite, in the order `describeBinding` runs them. */
export const BINDING_AREAS = [
  'headers',
  'refusal',
  'identity',
  'keys',
  'lists',
  'shaping',
  'failures',
  'badRequests',
  'rules',
  'options',
  'hostile',
  'outcomes',
  'events',
] as const

/** One area of the suite: `'headers'`, `'shaping'`, … */
export type BindingArea = (typeof BINDING_AREAS)[number]

/**
 * Areas whose answers do not depend on the store (options, unusable input, hostile values, lists,
 * events), or that test the binding's wiring once on memory (outcomes: the refunds themselves are
 * each store's conformance).
 */
const STORELESS: ReadonlySet<BindingArea> = new Set([
  'badRequests',
  'options',
  'hostile',
  'lists',
  'outcomes',
  'events',
])

/**
 * The areas whose answers come from the store: what to run again on a second store (say Redis) once
 * the whole suite has run on a memory store.
 */
export const STORE_AREAS: readonly BindingArea[] = BINDING_AREAS.filter((area) => !STORELESS.has(area))

export interface BindingSuiteOptions {
  /** A fresh store, called once per limiter the suite makes (usually `() => memoryStore()`). */
  readonly store: () => Store
  /**
   * A store whose every call fails, for the failure modes. Default: `store()` with every `apply`
   * rejecting with a `StoreError`. A network store's suite can pass a client of a server that is
   * down instead.
   */
  readonly faultyStore?: () => Store
  /** The areas to run. Default all; a second store usually needs only those whose answers it makes. */
  readonly areas?: readonly BindingArea[]
  /** fast-check runs of the hostile-input property. Default 40. */
  readonly numRuns?: number
  /** Per-test timeout, for slow stores. Default vitest's (the hostile property: 120 s). */
  readonly timeoutMs?: number
}

/** The options with their defaults. */
export interface ResolvedSuiteOptions {
  readonly store: () => Store
  readonly faultyStore: () => Store
  readonly areas: ReadonlySet<BindingArea>
  readonly numRuns: number
  readonly timeoutMs: number | undefined
}

export function resolveSuiteOptions(options: BindingSuiteOptions): ResolvedSuiteOptions {
  const { store } = options
  return {
    store,
    faultyStore: options.faultyStore ?? (() => failingStore(store())),
    areas: new Set(options.areas ?? BINDING_AREAS),
    numRuns: options.numRuns ?? 40,
    timeoutMs: options.timeoutMs,
  }
}

/** A store like `store` whose every call fails, as a dead backend's would. */
function failingStore(store: Store): Store {
  const fail = () => Promise.reject(new StoreError(`${store.name} store unreachable`))
  return { name: store.name, capabilities: store.capabilities, apply: fail, reset: fail }
}
