// Node's diagnostics_channel and util.debuglog, found at run time: core imports no Node built-in, so
// it still bundles for edge runtimes, where these are simply absent.

/** The part of a `node:diagnostics_channel` Channel that sluice uses. */
export interface ChannelLike {
  readonly hasSubscribers: boolean
  publish(message: unknown): void
}

/** A `util.debuglog` logger: callable, with `enabled` fixed when the process started. */
export interface DebugLogLike {
  (message: string): void
  readonly enabled: boolean
}

interface NodeProcessLike {
  getBuiltinModule?(id: string): unknown
}

/**
 * A Node built-in module through `process.getBuiltinModule` (Node ≥ 20.16), which needs no import:
 * a bundler for Workers or Vercel Edge sees nothing to resolve. `undefined` where there is none.
 */
function builtin<T>(id: string): T | undefined {
  try {
    return (globalThis as { process?: NodeProcessLike }).process?.getBuiltinModule?.(id) as T | undefined
  } catch {
    return undefined
  }
}

/**
 * The diagnostics channel `name` (`sluice:decision` …), or `undefined` off Node. Channels are
 * process-wide: every limiter publishes to the same one, each event naming its `limiter`.
 */
export function diagnosticsChannel(name: string): ChannelLike | undefined {
  return builtin<{ channel(name: string): ChannelLike }>('node:diagnostics_channel')?.channel(name)
}

/**
 * `util.debuglog(section)`: prints to stderr when `NODE_DEBUG` names the section (`NODE_DEBUG=sluice`).
 * `undefined` off Node.
 */
export function debugLog(section: string): DebugLogLike | undefined {
  return builtin<{ debuglog(section: string): DebugLogLike }>('node:util')?.debuglog(section)
}
